package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Slack's limits on Block Kit, as its Web API enforces them: too many blocks, elements or fields,
 * too long or empty a text (a section's, a context's, a header's, a button's, a confirm dialog's,
 * an input's label and hint, a placeholder, an option's), too many options; a message's own text of
 * more than 40,000 characters; a view's title, buttons and metadata; and the options an app answers
 * a select that loads them. Each breach is worded as Slack words it in an {@code invalid_blocks}
 * answer, with a JSON pointer to the offending part.
 */
final class BlockLimits {

  static final int MESSAGE_BLOCKS = 50;
  static final int VIEW_BLOCKS = 100;
  static final int TEXT_CHARACTERS = 3_000;
  static final int FIELD_CHARACTERS = 2_000;
  static final int OPTIONS = 100;
  static final int MESSAGE_TEXT = 40_000;
  static final int SECTION_FIELDS = 10;
  static final int CONTEXT_ELEMENTS = 10;
  static final int ACTIONS_ELEMENTS = 25;
  static final int HEADER_CHARACTERS = 150;
  static final int BUTTON_TEXT = 75;
  static final int BUTTON_VALUE = 2_000;
  static final int ACTION_ID = 255;
  static final int CONFIRM_TITLE = 100;
  static final int CONFIRM_TEXT = 300;
  static final int CONFIRM_BUTTON = 30;
  static final int BLOCK_ID = 255;
  static final int INPUT_LABEL = 2_000;
  static final int INPUT_HINT = 2_000;
  static final int PLACEHOLDER = 150;
  static final int OPTION_TEXT = 75;
  static final int OPTION_VALUE = 150;
  static final int VIEW_TITLE = 24;
  static final int VIEW_BUTTON = 24;
  static final int PRIVATE_METADATA = 3_000;
  static final int CALLBACK_ID = 255;

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

  /**
   * Slack's error lines for a view (a modal or a Home tab) as {@code views.open}, {@code
   * views.push}, {@code views.update} and {@code views.publish} take it, or as an app's answer to a
   * submission puts it in the modal's place.
   */
  static List<String> viewBreaches(JsonNode view, String pointer) {
    List<String> errors = new ArrayList<>();
    text(view.path("title"), pointer + "/title", VIEW_TITLE, errors);
    text(view.path("submit"), pointer + "/submit", VIEW_BUTTON, errors);
    text(view.path("close"), pointer + "/close", VIEW_BUTTON, errors);
    length(
        view.path("private_metadata").asText(),
        PRIVATE_METADATA,
        pointer + "/private_metadata",
        errors);
    length(view.path("callback_id").asText(), CALLBACK_ID, pointer + "/callback_id", errors);
    JsonNode blocks = view.path("blocks");
    if (blocks.isArray()) {
      errors.addAll(breaches(blocks, pointer + "/blocks", VIEW_BLOCKS));
    }
    return errors;
  }

  /**
   * Slack's error lines for an app's answer to the options load of an external select ({@code
   * block_suggestion}): at most 100 options (or groups of them), each within an option's limits.
   */
  static List<String> optionsBreaches(JsonNode answer) {
    List<String> errors = new ArrayList<>();
    options(answer, "", errors);
    return errors;
  }

  /** Whether a message's own {@code text} is more than Slack takes ({@code msg_too_long}). */
  static boolean tooLong(String messageText) {
    return messageText != null
        && messageText.codePointCount(0, messageText.length()) > MESSAGE_TEXT;
  }

  private static void block(JsonNode block, String at, List<String> errors) {
    length(block.path("block_id").asText(), BLOCK_ID, at + "/block_id", errors);
    switch (block.path("type").asText()) {
      case "section" -> {
        text(block.path("text"), at + "/text", TEXT_CHARACTERS, errors);
        JsonNode fields = block.path("fields");
        count(fields, SECTION_FIELDS, at + "/fields", errors);
        for (int j = 0; j < fields.size(); j++) {
          text(fields.get(j), at + "/fields/" + j, FIELD_CHARACTERS, errors);
        }
        element(block.path("accessory"), at + "/accessory", errors);
      }
      case "context" -> {
        JsonNode elements = block.path("elements");
        count(elements, CONTEXT_ELEMENTS, at + "/elements", errors);
        for (int j = 0; j < elements.size(); j++) {
          text(elements.get(j), at + "/elements/" + j, TEXT_CHARACTERS, errors);
        }
      }
      case "actions" -> {
        JsonNode elements = block.path("elements");
        count(elements, ACTIONS_ELEMENTS, at + "/elements", errors);
        for (int j = 0; j < elements.size(); j++) {
          element(elements.get(j), at + "/elements/" + j, errors);
        }
      }
      case "header" -> text(block.path("text"), at + "/text", HEADER_CHARACTERS, errors);
      case "input" -> {
        text(block.path("label"), at + "/label", INPUT_LABEL, errors);
        text(block.path("hint"), at + "/hint", INPUT_HINT, errors);
        element(block.path("element"), at + "/element", errors);
      }
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
    if (text.isEmpty()) {
      errors.add("must be more than 0 characters [json-pointer:%s/text]".formatted(at));
    }
    length(text, max, at + "/text", errors);
  }

  /** An interactive element: a button's text, value and confirm dialog; a select's options. */
  private static void element(JsonNode element, String at, List<String> errors) {
    if (element.isMissingNode()) {
      return;
    }
    if (element.has("action_id")) {
      length(element.path("action_id").asText(), ACTION_ID, at + "/action_id", errors);
    }
    if (element.path("type").asText().equals("button")) {
      text(element.path("text"), at + "/text", BUTTON_TEXT, errors);
      length(element.path("value").asText(), BUTTON_VALUE, at + "/value", errors);
    }
    JsonNode confirm = element.path("confirm");
    if (confirm.isObject()) {
      text(confirm.path("title"), at + "/confirm/title", CONFIRM_TITLE, errors);
      text(confirm.path("text"), at + "/confirm/text", CONFIRM_TEXT, errors);
      text(confirm.path("confirm"), at + "/confirm/confirm", CONFIRM_BUTTON, errors);
      text(confirm.path("deny"), at + "/confirm/deny", CONFIRM_BUTTON, errors);
    }
    text(element.path("placeholder"), at + "/placeholder", PLACEHOLDER, errors);
    option(element.path("initial_option"), at + "/initial_option", errors);
    options(element, at, errors);
  }

  private static void length(String value, int max, String at, List<String> errors) {
    if (value.codePointCount(0, value.length()) > max) {
      errors.add("must be less than %d characters [json-pointer:%s]".formatted(max + 1, at));
    }
  }

  private static void count(JsonNode list, int max, String at, List<String> errors) {
    if (list.size() > max) {
      errors.add(tooMany(max, at));
    }
  }

  /** A select's (or an options answer's) options, or its groups of options. */
  private static void options(JsonNode element, String at, List<String> errors) {
    JsonNode options = element.path("options");
    count(options, OPTIONS, at + "/options", errors);
    for (int i = 0; i < options.size(); i++) {
      option(options.get(i), at + "/options/" + i, errors);
    }
    JsonNode groups = element.path("option_groups");
    count(groups, OPTIONS, at + "/option_groups", errors);
    for (int i = 0; i < groups.size(); i++) {
      options(groups.get(i), at + "/option_groups/" + i, errors);
    }
  }

  /** An option object: its text (75 characters), its value (150) and description (75). */
  private static void option(JsonNode option, String at, List<String> errors) {
    if (!option.isObject()) {
      return;
    }
    text(option.path("text"), at + "/text", OPTION_TEXT, errors);
    length(option.path("value").asText(), OPTION_VALUE, at + "/value", errors);
    text(option.path("description"), at + "/description", OPTION_TEXT, errors);
  }

  private static String tooMany(int max, String at) {
    return "must be less than %d items [json-pointer:%s]".formatted(max + 1, at);
  }
}
