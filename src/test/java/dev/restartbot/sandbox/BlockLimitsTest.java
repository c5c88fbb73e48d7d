package dev.restartbot.sandbox;

import static java.util.Collections.nCopies;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The limits Slack holds views and options answers to, as the fake Slack holds the bot to them. */
class BlockLimitsTest {

  private final ObjectMapper json = new ObjectMapper();

  /** A modal in the shape of the bot's restart modal, with {@code %s} replaced. */
  private JsonNode modal(String title, String label, String placeholder, String option) {
    String view =
        """
        {"type":"modal","callback_id":"restart_modal","private_metadata":"C0SANDBOX",
         "title":{"type":"plain_text","text":"%s"},
         "submit":{"type":"plain_text","text":"Request"},
         "close":{"type":"plain_text","text":"Cancel"},
         "blocks":[
          {"type":"input","block_id":"namespace","label":{"type":"plain_text","text":"%s"},
           "element":{"type":"static_select","action_id":"namespace",
             "options":[{"text":{"type":"plain_text","text":"%s"},"value":"payments"}]}},
          {"type":"input","block_id":"targets","label":{"type":"plain_text","text":"Workloads"},
           "hint":{"type":"plain_text","text":"Restarted one after another."},
           "element":{"type":"multi_external_select","action_id":"targets",
             "placeholder":{"type":"plain_text","text":"%s"},"min_query_length":0}}]}
        """
            .formatted(title, label, option, placeholder);
    try {
      return json.readTree(view);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aModalShapedAsTheBotsIsTaken() {
    assertThat(
            BlockLimits.viewBreaches(
                modal("Restart", "Namespace", "Type part of a name", "payments"), "/view"))
        .isEmpty();
  }

  @Test
  void aViewsTitleLabelsPlaceholdersAndOptionsAreHeldToSlacksLengths() {
    assertThat(
            BlockLimits.viewBreaches(
                modal("t".repeat(25), "l".repeat(2_001), "p".repeat(151), "o".repeat(76)), "/view"))
        .containsExactly(
            "must be less than 25 characters [json-pointer:/view/title/text]",
            "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]",
            "must be less than 76 characters"
                + " [json-pointer:/view/blocks/0/element/options/0/text/text]",
            "must be less than 151 characters"
                + " [json-pointer:/view/blocks/1/element/placeholder/text]");
  }

  @Test
  void aViewHoldsAtMostAHundredBlocks() throws Exception {
    String divider = "{\"type\":\"divider\"}";
    JsonNode view =
        json.readTree(
            "{\"type\":\"home\",\"blocks\":[" + String.join(",", nCopies(101, divider)) + "]}");
    assertThat(BlockLimits.viewBreaches(view, "/view"))
        .containsExactly("must be less than 101 items [json-pointer:/view/blocks]");
  }

  @Test
  void anOptionsAnswerHoldsAtMostAHundredOptionsEachWithinItsLengths() throws Exception {
    String option =
        "{\"text\":{\"type\":\"plain_text\",\"text\":\"deployment/w\"},\"value\":\"v\"}";
    JsonNode many = json.readTree("{\"options\":[" + String.join(",", nCopies(101, option)) + "]}");
    assertThat(BlockLimits.optionsBreaches(many))
        .containsExactly("must be less than 101 items [json-pointer:/options]");
    JsonNode hundred =
        json.readTree("{\"options\":[" + String.join(",", nCopies(100, option)) + "]}");
    assertThat(BlockLimits.optionsBreaches(hundred)).isEmpty();
    JsonNode longValue =
        json.readTree(
            "{\"options\":[{\"text\":{\"type\":\"plain_text\",\"text\":\"x\"},\"value\":\""
                + "v".repeat(151)
                + "\"}]}");
    assertThat(BlockLimits.optionsBreaches(longValue))
        .containsExactly("must be less than 151 characters [json-pointer:/options/0/value]");
  }
}
