package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Slack's limits on Block Kit, as its Web API enforces them: too many blocks, too long a text, too
 * many options. Each breach is worded as Slack words it in an {@code invalid_blocks} answer, with a
 * JSON pointer to the offending part.
 */
final class BlockLimits {

  static final int MESSAGE_BLOCKS = 50;
  static final int VIEW_BLOCKS = 100;
  static final int TEXT_CHARACTERS = 3_000;
  static final int FIELD_CHARACTERS = 2_000;
  static final int OPTIONS = 100;

  private BlockLimits() {}

  /**
   * Slack's error lines for {@code blocks} (found at {@code pointer}); empty when it takes them.
   */
  static List<String> breaches(JsonNode blocks, String pointer, int maxBlocks) {
    List<String> errors = new ArrayList<>();
    if (blocks.size() > maxBlocks) {
      errors.add(tooMany(maxBlocks, pointer));
    }
    for (int i = 0; i < blocks.size(); i++) {
      block(blocks.get(i), pointer + "/" + i, errors);
    }
    return errors;
  }

  private static void block(JsonNode block, String at, List<String> errors) {
    switch (block.path("type").asText()) {
      case "section" -> {
        text(block.path("text"), at + "/text", TEXT_CHARACTERS, errors);
        JsonNode fields = block.path("fields");
        for (int j = 0; j < fields.size(); j++) {
          text(fields.get(j), at + "/fields/" + j, FIELD_CHARACTERS, errors);
        }
        options(block.path("accessory"), at + "/accessory", errors);
      }
      case "context" -> {
        JsonNode elements = block.path("elements");
        for (int j = 0; j < elements.size(); j++) {
          text(elements.get(j), at + "/elements/" + j, TEXT_CHARACTERS, errors);
        }
      }
      case "actions" -> {
        JsonNode elements = block.path("elements");
        for (int j = 0; j < elements.size(); j++) {
          options(elements.get(j), at + "/elements/" + j, errors);
        }
      }
      case "input" -> options(block.path("element"), at + "/element", errors);
      default -> {
        // Other blocks have limits of their own that the bot has no use for yet.
      }
    }
  }

  /** A text object: {@code {"type":"mrkdwn"|"plain_text","text":...}}; images are let through. */
  private static void text(JsonNode object, String at, int max, List<String> errors) {
    String type = object.path("type").asText();
    if (!type.equals("mrkdwn") && !type.equals("plain_text")) {
      return;
    }
    String text = object.path("text").asText();
    if (text.codePointCount(0, text.length()) > max) {
      errors.add("must be less than %d characters [json-pointer:%s/text]".formatted(max + 1, at));
    }
  }

  private static void options(JsonNode element, String at, List<String> errors) {
    for (String list : List.of("options", "option_groups")) {
      if (element.path(list).size() > OPTIONS) {
        errors.add(tooMany(OPTIONS, at + "/" + list));
      }
    }
  }

  private static String tooMany(int max, String at) {
    return "must be less than %d items [json-pointer:%s]".formatted(max + 1, at);
  }
}
