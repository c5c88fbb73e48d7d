package dev.restartbot.restart;

/** Who decided a request: a person who clicked, or the policy, when no approval was needed. */
public sealed interface Decider {

  /** The Slack user id, or {@code policy}: the word the audit trail and the store use. */
  String id();

  /** A person, by Slack user id, with the display name they had when they decided. */
  record Person(String userId, String name) implements Decider {
    public Person {
      java.util.Objects.requireNonNull(userId, "userId");
      name = name == null || name.isBlank() ? userId : name;
    }

    @Override
    public String id() {
      return userId;
    }
  }

  /** No approval was needed: the rules that admitted every target said so. */
  record ByPolicy() implements Decider {
    /** How the store and the audit trail write this decider. */
    public static final String ID = "policy";

    @Override
    public String id() {
      return ID;
    }
  }
}
