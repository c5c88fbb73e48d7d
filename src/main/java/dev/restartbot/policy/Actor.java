package dev.restartbot.policy;

/**
 * A Slack user as the policy sees them.
 *
 * @param userId the Slack user id ({@code U…} or {@code W…})
 * @param guest a single- or multi-channel guest (restricted or ultra-restricted)
 * @param external a user of another organisation (Slack Connect)
 */
public record Actor(String userId, boolean guest, boolean external) {

  public static Actor member(String userId) {
    return new Actor(userId, false, false);
  }

  /** Guests and external users are admitted only by rules that name their user id. */
  public boolean needsExplicitMention() {
    return guest || external;
  }
}
