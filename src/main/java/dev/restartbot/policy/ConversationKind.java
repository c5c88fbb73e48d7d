package dev.restartbot.policy;

/**
 * What kind of Slack conversation a command came from, as the Slack edge tells it. The policy
 * admits by channel id alone (a rule without channels admits every kind, DESIGN.md §5); the kind is
 * recorded with the request.
 */
public enum ConversationKind {
  /** A public channel of the workspace: everyone in it can see what the bot posts and who asks. */
  PUBLIC_CHANNEL,
  /** A private channel (or a legacy private group). */
  PRIVATE_CHANNEL,
  /** A direct message, with the bot or between people, one-to-one or a group. */
  DIRECT_MESSAGE,
  /** A conversation whose kind could not be told: treated as not public. */
  OTHER;

  /**
   * The kind a channel id alone says: {@code C…} a channel (taken as public), {@code G…} a private
   * group, {@code D…} a direct message. A private channel can also have a {@code C…} id, so the
   * edge tells it apart by more than the id where it can.
   */
  public static ConversationKind fromChannelId(String channelId) {
    if (channelId == null || channelId.isEmpty()) {
      return OTHER;
    }
    return switch (channelId.charAt(0)) {
      case 'C' -> PUBLIC_CHANNEL;
      case 'G' -> PRIVATE_CHANNEL;
      case 'D' -> DIRECT_MESSAGE;
      default -> OTHER;
    };
  }
}
