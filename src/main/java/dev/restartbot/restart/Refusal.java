package dev.restartbot.restart;

import dev.restartbot.policy.PolicyRefusal;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;

/**
 * Every reason a command or a click is refused, as a value. Nothing here is a sentence: the Slack
 * edge alone words refusals, so that they read the same wherever they appear.
 */
public sealed interface Refusal {

  /** A short machine word for the audit log and metrics. */
  String code();

  /** The allowlist does not admit the requester, or the clicker as an approver. */
  record NotAllowed(PolicyRefusal reason) implements Refusal {
    public String code() {
      return reason.code();
    }
  }

  /** A Deny click by someone who is neither the requester nor an approver of the request. */
  record MayNotDeny(PolicyRefusal reason) implements Refusal {
    public String code() {
      return "may_not_deny";
    }
  }

  /** The target does not exist in its namespace. */
  record NotFound(Target target) implements Refusal {
    public String code() {
      return "not_found";
    }
  }

  /**
   * The target's cluster does not serve its kind: a Rollout where the API server does not serve
   * {@code argoproj.io/v1alpha1} {@code rollouts}.
   */
  record KindNotServed(Target target) implements Refusal {
    public String code() {
      return "kind_not_served";
    }
  }

  /**
   * A roll back of a Deployment whose ReplicaSets hold no revision before the current one: {@code
   * kubectl rollout undo} has nothing to go back to either.
   */
  record NoPreviousRevision(Target target) implements Refusal {
    public String code() {
      return "no_previous_revision";
    }
  }

  /**
   * A Roll back click on a result that cannot be rolled back: not a Deployment's, not a failed
   * restart, or no such target in the request.
   */
  record NotRollbackable() implements Refusal {
    public String code() {
      return "not_rollbackable";
    }
  }

  /** The target could not be read: the bot may not, or the API did not answer. */
  record Unreadable(Target target, String apiMessage) implements Refusal {
    public String code() {
      return "unreadable";
    }
  }

  /** The target's cluster did not answer; the request's other clusters are not affected. */
  record ClusterUnreachable(Target target, String apiMessage) implements Refusal {
    public String code() {
      return "cluster_unreachable";
    }
  }

  /**
   * The API server refused the dry run of a target's restart patch (RBAC, an admission webhook, an
   * invalid object): the real patch would fail the same way, so nobody is asked to approve it.
   */
  record DryRunRefused(Target target, int status, String apiMessage) implements Refusal {
    public String code() {
      return "dry_run_refused";
    }
  }

  /** An approver clicked Approve again: their approval counts once. */
  record AlreadyApproved() implements Refusal {
    public String code() {
      return "already_approved";
    }
  }

  /** The Deployment is paused; {@code kubectl rollout restart} refuses it too. */
  record Paused(Target target) implements Refusal {
    public String code() {
      return "paused";
    }
  }

  /** A target already belongs to a pending or running request. */
  record Busy(RestartRequest existing) implements Refusal {
    public String code() {
      return "busy";
    }
  }

  /**
   * A target is held by a request this version of the bot cannot read (written by a newer version,
   * or damaged): busy, since it may be active.
   */
  record HeldByUnreadable(Target target, String holderId) implements Refusal {
    public String code() {
      return "busy_unreadable";
    }
  }

  /** Who the person is could not be looked up (Slack's directory did not answer). */
  record WhoUnknown(String error) implements Refusal {
    public String code() {
      return "who_unknown";
    }
  }

  /** A click on a request the store does not have (purged, or never existed). */
  record UnknownRequest() implements Refusal {
    public String code() {
      return "unknown_request";
    }
  }

  /** A click on a request whose time for a decision is over. */
  record Expired() implements Refusal {
    public String code() {
      return "expired";
    }
  }

  /** A click on a request that is no longer pending: {@code request} as it is now. */
  record AlreadyDecided(RestartRequest request) implements Refusal {
    public String code() {
      return "already_decided";
    }
  }

  /**
   * A click that did not come from the request's approval message: another message, another
   * channel, or a request whose message is not placed yet.
   */
  record NotItsMessage() implements Refusal {
    public String code() {
      return "not_its_message";
    }
  }

  /** A selector matched no workload of its kinds in its namespace. */
  record NoMatch(Selection selection) implements Refusal {
    public String code() {
      return "no_match";
    }
  }

  /** A selector matched more workloads than {@code restart.max-targets} lets one command name. */
  record TooManyMatches(Selection selection, int count, int limit) implements Refusal {
    public String code() {
      return "too_many_matches";
    }
  }

  /** The workloads of {@code kind} could not be listed: the bot may not, most often. */
  record SelectionUnreadable(Selection selection, WorkloadKind kind, String apiMessage)
      implements Refusal {
    public String code() {
      return "selection_unreadable";
    }
  }

  /** The selection's cluster did not answer the listing. */
  record SelectionUnreachable(Selection selection, String apiMessage) implements Refusal {
    public String code() {
      return "cluster_unreachable";
    }
  }

  /** An Abort click by someone who is neither the requester nor an approver of the request. */
  record MayNotAbort(PolicyRefusal reason) implements Refusal {
    public String code() {
      return "may_not_abort";
    }
  }

  /** An Abort click on a request that is not running: {@code request} as it is now. */
  record NotRunning(RestartRequest request) implements Refusal {
    public String code() {
      return "not_running";
    }
  }

  /** An Abort click on a request someone already aborted: {@code request} as it is now. */
  record AlreadyAborted(RestartRequest request) implements Refusal {
    public String code() {
      return "already_aborted";
    }
  }
}
