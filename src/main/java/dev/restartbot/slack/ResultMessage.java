package dev.restartbot.slack;

import static com.slack.api.model.block.Blocks.actions;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.confirmationDialog;
import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;
import static com.slack.api.model.block.element.BlockElements.button;

import com.slack.api.model.block.LayoutBlock;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import java.util.List;

/**
 * A target's result in the thread, in Block Kit where it carries a button: the failed restart of a
 * Deployment gets Roll back ({@value SlackApp#ROLLBACK}, value {@code <request id>/<target
 * index>}), which files a new request that rolls it back to its previous revision.
 */
final class ResultMessage {

  static final String ACTIONS_BLOCK = "result_actions";

  private ResultMessage() {}

  private static String confirmText(String ref) {
    String text =
        "A new request to roll back %s to its previous revision, approved like a restart."
            .formatted(ref);
    // Slack refuses a confirm dialog's text over 300 characters.
    return text.length() <= 300 ? text : text.substring(0, 299) + "…";
  }

  /** Whether the result of target {@code index} of {@code request} offers a roll back. */
  static boolean offersRollback(RestartRequest request, TargetResult result) {
    Outcome o = result.outcome();
    return !request.isRollback()
        && result.target().kind() == WorkloadKind.DEPLOYMENT
        && (o instanceof Outcome.RolloutFailed || o instanceof Outcome.TimedOut);
  }

  /** The blocks of the result, or null when it is text alone. */
  static List<LayoutBlock> blocks(
      RestartRequest request, int index, TargetResult result, String text) {
    if (!offersRollback(request, result)) {
      return null;
    }
    String ref = result.target().ref();
    return List.of(
        section(s -> s.text(markdownText(Messages.limit(text)))),
        actions(
            ACTIONS_BLOCK,
            List.of(
                button(
                    b ->
                        b.actionId(SlackApp.ROLLBACK)
                            .text(plainText("Roll back"))
                            .value(request.id() + "/" + index)
                            .confirm(
                                confirmationDialog(
                                    c ->
                                        c.title(plainText("Ask to roll back?"))
                                            .text(plainText(confirmText(ref)))
                                            .confirm(plainText("Ask"))
                                            .deny(plainText("Cancel"))))))));
  }
}
