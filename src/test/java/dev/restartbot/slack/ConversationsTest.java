package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.ConversationKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConversationsTest {

  @ParameterizedTest(name = "{0} named {1} is {2}")
  @CsvSource({
    "C0OPS, ops, PUBLIC_CHANNEL",
    "C0SECRET, privategroup, PRIVATE_CHANNEL",
    "G0GROUP, secret-group, PRIVATE_CHANNEL",
    "G0MPIM, mpdm-alice--bob-1, DIRECT_MESSAGE",
    "D0DM, directmessage, DIRECT_MESSAGE",
    "D0DM, , DIRECT_MESSAGE",
    "C0ODD, directmessage, DIRECT_MESSAGE",
    "X0WHAT, what, OTHER",
    ", , OTHER"
  })
  void theCommandsChannelIdAndNameSayWhatKindOfConversationItCameFrom(
      String id, String name, ConversationKind kind) {
    assertThat(Conversations.kind(id, name)).isEqualTo(kind);
  }
}
