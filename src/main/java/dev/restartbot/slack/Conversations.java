package dev.restartbot.slack;

import dev.restartbot.policy.ConversationKind;

/**
 * Tells the policy what kind of conversation a slash command came from, from the command itself:
 * Slack names a direct message's {@code channel_name} {@code directmessage} (a group DM's {@code
 * mpdm-…}) and a private channel's {@code privategroup}, whatever its id; otherwise the id says it
 * ({@code C…} a public channel, {@code G…} a private group, {@code D…} a direct message). Anything
 * else is {@link ConversationKind#OTHER}, which only {@code channels: ["*"]} or the channel's own
 * id admits.
 */
final class Conversations {

  private Conversations() {}

  static ConversationKind kind(String channelId, String channelName) {
    String name = channelName == null ? "" : channelName;
    if (name.equals("directmessage") || name.startsWith("mpdm-")) {
      return ConversationKind.DIRECT_MESSAGE;
    }
    if (name.equals("privategroup")) {
      return ConversationKind.PRIVATE_CHANNEL;
    }
    return ConversationKind.fromChannelId(channelId);
  }
}
