package dev.restartbot.policy;

/**
 * Why the policy refuses a requester or an approver: a value, not a sentence. The Slack edge words
 * it; each reason is the most specific one that is true, without telling what other rules allow.
 */
public sealed interface PolicyRefusal {

  /** A short machine word for the audit log and metrics. */
  String code();

  /** Who is being judged: a requester asking, or an approver deciding. */
  enum Role {
    REQUESTER,
    APPROVER
  }

  /** No rule covers the target at all. */
  record NotOnAllowlist(Target target) implements PolicyRefusal {
    public String code() {
      return "not_on_allowlist";
    }
  }

  /** A rule admits the requester for the target, but not in this channel. */
  record ChannelNotAllowed(Target target) implements PolicyRefusal {
    public String code() {
      return "channel_not_allowed";
    }
  }

  /** Rules cover the target, but none admits this requester. */
  record RequesterNotAllowed(Target target) implements PolicyRefusal {
    public String code() {
      return "requester_not_allowed";
    }
  }

  /** A guest or external account, admitted only through a group or an open rule. */
  record GuestMustBeNamed(Role role) implements PolicyRefusal {
    public String code() {
      return "guest_must_be_named";
    }
  }

  /** The requester clicked Approve on their own request, and self-approval is off. */
  record OwnRequest() implements PolicyRefusal {
    public String code() {
      return "own_request";
    }
  }

  /** The clicker is not an approver of every admitting rule of the target. */
  record NotAnApprover(Target target) implements PolicyRefusal {
    public String code() {
      return "not_an_approver";
    }
  }
}
