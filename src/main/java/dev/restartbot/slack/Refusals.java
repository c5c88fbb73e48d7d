package dev.restartbot.slack;

import dev.restartbot.policy.PolicyRefusal;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.Refusal;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.Selection;
import java.util.List;
import java.util.function.Function;

/**
 * Words every refusal, for the ack of a command and the ephemeral answer to a click: one sentence
 * or two, each starting with a capital and ending with a full stop, targets named as everywhere
 * else ({@code `deployment/x` in `ns`}), behind one {@code :no_entry:}.
 */
final class Refusals {

  private Refusals() {}

  /** The whole answer: the mark and the sentence. */
  static String answer(Refusal refusal, Function<RestartRequest, String> permalink) {
    return ":no_entry: " + text(refusal, permalink);
  }

  // Java 17 has no pattern-matching switch; RenderingTest walks the permitted subtypes, so a
  // refusal that reaches the end of this chain fails the build instead of reading as "refused".
  static String text(Refusal refusal, Function<RestartRequest, String> permalink) {
    if (refusal instanceof Refusal.NotAllowed n) {
      return policy(n.reason());
    }
    if (refusal instanceof Refusal.MayNotDeny mayNot) {
      return "Only the requester or an approver of this request can deny it. "
          + policy(mayNot.reason());
    }
    if (refusal instanceof Refusal.NotFound n) {
      return "%s was not found.".formatted(Messages.target(n.target()));
    }
    if (refusal instanceof Refusal.NoPreviousRevision n) {
      return ("%s has no revision before the current one among its ReplicaSets, so there is"
              + " nothing to roll back to. Nothing was requested.")
          .formatted(Messages.target(n.target()));
    }
    if (refusal instanceof Refusal.NotRollbackable) {
      return "Only a Deployment whose restart failed can be rolled back from its result. Nothing"
          + " changed.";
    }
    if (refusal instanceof Refusal.KindNotServed k) {
      return ("%s does not serve Argo Rollouts (`argoproj.io/v1alpha1` `rollouts`), so %s cannot"
              + " be restarted there. Install Argo Rollouts in it, or name another kind.")
          .formatted(
              k.target().inNamedCluster() ? "Cluster " + k.target().cluster() : "The cluster",
              Messages.target(k.target()));
    }
    if (refusal instanceof Refusal.Unreadable u) {
      return "I could not read %s: %s"
          .formatted(
              Messages.target(u.target()), Messages.sentence(Messages.escape(u.apiMessage())));
    }
    if (refusal instanceof Refusal.ClusterUnreachable c) {
      // A bot of one unnamed cluster has no name to give it.
      return c.target().inNamedCluster()
          ? "I cannot reach cluster %s: %s Requests for the other clusters are not affected."
              .formatted(c.target().cluster(), Messages.sentence(Messages.escape(c.apiMessage())))
          : "I cannot reach the Kubernetes API to read %s: %s"
              .formatted(
                  Messages.target(c.target()), Messages.sentence(Messages.escape(c.apiMessage())));
    }
    if (refusal instanceof Refusal.DryRunRefused d) {
      String message = Messages.sentence(Messages.escape(d.apiMessage()));
      // 4xx: the server judged the patch; otherwise it could not be asked, and may be again.
      return d.status() >= 400 && d.status() < 500
          ? "The API server would refuse to restart %s (dry run, HTTP %d): %s Nothing was requested."
              .formatted(Messages.target(d.target()), d.status(), message)
          : ("I could not check the restart of %s with a dry run (%s): %s Nothing was requested;"
                  + " try again.")
              .formatted(
                  Messages.target(d.target()),
                  d.status() > 0 ? "HTTP " + d.status() : "no answer",
                  message);
    }
    if (refusal instanceof Refusal.AlreadyApproved) {
      return "You already approved this request; it needs someone else's approval too.";
    }
    if (refusal instanceof Refusal.Paused p) {
      return "%s is paused: resume it first with `%s`."
          .formatted(Messages.target(p.target()), resume(p.target()));
    }
    if (refusal instanceof Refusal.Busy b) {
      RestartRequest existing = b.existing();
      String link = permalink.apply(existing);
      return "%s already %s a %s request%s. Wait for it to finish, or withdraw it with its Deny button."
          .formatted(
              Messages.targetList(existing.targets()),
              existing.targets().size() == 1 ? "has" : "have",
              existing.state().label(),
              link == null
                  ? " (`%s`)".formatted(existing.id())
                  : ": <%s|request %s>".formatted(link, existing.id()));
    }
    if (refusal instanceof Refusal.HeldByUnreadable h) {
      return ("%s is held by request `%s`, which this version of the bot cannot read (a newer"
              + " version may have written it). Wait for it to finish, or ask whoever runs the bot"
              + " to look at it.")
          .formatted(Messages.target(h.target()), Messages.escape(h.holderId()));
    }
    if (refusal instanceof Refusal.WhoUnknown w) {
      return "I could not look up your Slack profile just now (%s); please try again."
          .formatted(Messages.escape(w.error()));
    }
    if (refusal instanceof Refusal.UnknownRequest) {
      return "I don't know this request any more.";
    }
    if (refusal instanceof Refusal.Expired) {
      return "This request expired; ask again with /restart.";
    }
    if (refusal instanceof Refusal.AlreadyDecided a) {
      return alreadyDecided(a.request());
    }
    if (refusal instanceof Refusal.NotItsMessage) {
      return "This button is not on the approval message of this request. Nothing changed.";
    }
    if (refusal instanceof Refusal.MayNotAbort mayNot) {
      return "Only the requester or an approver of this request can abort it. "
          + policy(mayNot.reason());
    }
    if (refusal instanceof Refusal.NotRunning n) {
      return "This request is not running (it is %s), so there is nothing to abort."
          .formatted(n.request().state().label());
    }
    if (refusal instanceof Refusal.AlreadyAborted a) {
      return "This request is already being aborted%s; its current target finishes first."
          .formatted(a.request().abortedBy().map(by -> " by " + Messages.who(by)).orElse(""));
    }
    if (refusal instanceof Refusal.NoMatch none) {
      return "No %s matches the selector %s in `%s`%s. Nothing was requested."
          .formatted(
              kinds(none.selection()),
              Messages.verbatim(none.selection().selector().toString()),
              none.selection().namespace(),
              onCluster(none.selection()));
    }
    if (refusal instanceof Refusal.TooManyMatches t) {
      return ("The selector %s matches %d workloads in `%s`%s, more than the %d one command may"
              + " restart. Narrow it down; nothing was requested.")
          .formatted(
              Messages.verbatim(t.selection().selector().toString()),
              t.count(),
              t.selection().namespace(),
              onCluster(t.selection()),
              t.limit());
    }
    if (refusal instanceof Refusal.SelectionUnreadable u) {
      return "I could not list the %s in `%s`%s: %s"
          .formatted(
              u.kind().plural(),
              u.selection().namespace(),
              onCluster(u.selection()),
              Messages.sentence(Messages.escape(u.apiMessage())));
    }
    if (refusal instanceof Refusal.SelectionUnreachable u) {
      return u.selection().inNamedCluster()
          ? "I cannot reach cluster %s: %s Requests for the other clusters are not affected."
              .formatted(
                  u.selection().cluster(), Messages.sentence(Messages.escape(u.apiMessage())))
          : "I cannot reach the Kubernetes API to list the workloads in `%s`: %s"
              .formatted(
                  u.selection().namespace(), Messages.sentence(Messages.escape(u.apiMessage())));
    }
    throw new IllegalStateException("no words for refusal " + refusal.getClass().getName());
  }

  static String policy(PolicyRefusal reason) {
    if (reason instanceof PolicyRefusal.NotOnAllowlist n) {
      return "%s is not on the restart allowlist.".formatted(Messages.target(n.target()));
    }
    if (reason instanceof PolicyRefusal.ChannelNotAllowed c) {
      return "Restarts of %s are not allowed from this channel."
          .formatted(Messages.target(c.target()));
    }
    if (reason instanceof PolicyRefusal.RequesterNotAllowed r) {
      return "You are not allowed to request restarts of %s."
          .formatted(Messages.target(r.target()));
    }
    if (reason instanceof PolicyRefusal.GuestMustBeNamed g) {
      return "Guest and external accounts must be named in the policy to %s restarts."
          .formatted(g.role() == PolicyRefusal.Role.REQUESTER ? "request" : "approve");
    }
    if (reason instanceof PolicyRefusal.OwnRequest) {
      return "You requested this restart; someone else must approve it.";
    }
    if (reason instanceof PolicyRefusal.NotAnApprover n) {
      return "You are not an approver for %s.".formatted(Messages.target(n.target()));
    }
    throw new IllegalStateException("no words for policy refusal " + reason.getClass().getName());
  }

  private static String alreadyDecided(RestartRequest request) {
    String by =
        request
            .decidedBy()
            .filter(Decider.Person.class::isInstance)
            .map(d -> " by " + Messages.who(d))
            .orElse("");
    return switch (request.state()) {
      case PENDING -> "Someone else decided this request a moment ago.";
      case APPROVED, RUNNING, DONE, INTERRUPTED ->
          request.decidedByPolicy()
              ? "This request needed no approval."
              : "This request was already approved%s.".formatted(by);
      case DENIED -> "This request was already denied%s.".formatted(by);
      case WITHDRAWN -> "This request was withdrawn by the requester.";
      case EXPIRED -> "This request expired; ask again with /restart.";
      case OUTDATED -> "This request is outdated: a target changed since it was asked.";
      case ABANDONED -> "This request was given up: its approval message could not be posted.";
    };
  }

  /** {@code deployment}, {@code deployment or statefulset}: the kinds a selection looks at. */
  private static String kinds(Selection selection) {
    List<String> names = selection.kinds().stream().map(k -> k.singular()).toList();
    return names.size() == 1
        ? names.get(0)
        : String.join(", ", names.subList(0, names.size() - 1))
            + " or "
            + names.get(names.size() - 1);
  }

  private static String onCluster(Selection selection) {
    return selection.inNamedCluster() ? " on `" + selection.cluster() + "`" : "";
  }

  static String resume(Target target) {
    return "kubectl rollout resume %s -n %s".formatted(target.ref(), target.namespace());
  }
}
