package dev.restartbot.slack;

import static com.slack.api.model.block.Blocks.actions;
import static com.slack.api.model.block.Blocks.context;
import static com.slack.api.model.block.Blocks.divider;
import static com.slack.api.model.block.Blocks.header;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.confirmationDialog;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;
import static com.slack.api.model.block.element.BlockElements.button;
import static com.slack.api.model.view.Views.view;

import com.slack.api.model.block.ContextBlockElement;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.view.View;
import dev.restartbot.restart.PersonalRequests;
import dev.restartbot.restart.RestartRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A person's Home tab: what waits for their approval (with the approval message's own Approve and
 * Deny buttons, so that a click here is the same click), their recent requests with their states,
 * and what runs now with its progress. Within Slack's limits for a view: {@value #MAX_BLOCKS}
 * blocks, 3,000 characters a text, 150 a header.
 */
final class HomeView {

  /** Slack's limit on the blocks of a view. */
  static final int MAX_BLOCKS = 100;

  /** How many requests each part shows: two blocks each for those waiting, and room to spare. */
  static final int PER_PART = 20;

  private HomeView() {}

  /**
   * @param progress per running request, the newest word on its rollout
   */
  static View of(PersonalRequests.View requests, Map<String, String> progress) {
    List<LayoutBlock> blocks = new ArrayList<>();
    blocks.add(header(h -> h.text(plainText("Waiting for you"))));
    if (requests.waiting().isEmpty()) {
      blocks.add(note("Nothing waits for your approval."));
    }
    for (RestartRequest r : requests.waiting().stream().limit(PER_PART).toList()) {
      blocks.add(section(s -> s.text(ApprovalMessage.markdownText(waiting(r)))));
      blocks.add(buttons(r));
    }
    blocks.add(divider());
    blocks.add(header(h -> h.text(plainText("Your requests"))));
    blocks.add(
        requests.mine().isEmpty()
            ? note("You have not asked for a restart lately. Type /restart to ask for one.")
            : section(
                s ->
                    s.text(
                        ApprovalMessage.markdownText(
                            Messages.limit(
                                requests.mine().stream()
                                    .limit(PER_PART)
                                    .map(HomeView::mine)
                                    .collect(Collectors.joining("\n")))))));
    blocks.add(divider());
    blocks.add(header(h -> h.text(plainText("Running now"))));
    blocks.add(
        requests.running().isEmpty()
            ? note("Nothing is restarting now.")
            : section(
                s ->
                    s.text(
                        ApprovalMessage.markdownText(
                            Messages.limit(
                                requests.running().stream()
                                    .limit(PER_PART)
                                    .map(r -> running(r, progress.get(r.id())))
                                    .collect(Collectors.joining("\n")))))));
    return view(v -> v.type("home").blocks(blocks));
  }

  /** The block id of a waiting request's buttons. */
  static String actionsBlock(RestartRequest request) {
    return "home_" + request.id();
  }

  private static String waiting(RestartRequest r) {
    String reason = r.reason().map(text -> "\n> " + Messages.escape(text)).orElse("");
    String count = Messages.approvalCount(r);
    return Messages.limit(
        ("*<@%s>* asks to restart %s%s\n%sExpires %s · request `%s` in <#%s>")
            .formatted(
                r.requesterId(),
                Messages.targetList(r.targets(), 10),
                reason,
                count.isEmpty() ? "" : count + " · ",
                Messages.slackDate(r.expiresAt().getEpochSecond()),
                r.id(),
                r.channelId()));
  }

  private static LayoutBlock buttons(RestartRequest r) {
    return actions(
        actionsBlock(r),
        List.of(
            button(
                b ->
                    b.actionId(SlackApp.APPROVE)
                        .text(plainText("Approve"))
                        .style("primary")
                        .value(r.id())
                        .confirm(
                            confirmationDialog(
                                c ->
                                    c.title(plainText("Restart now?"))
                                        .text(plainText(ApprovalMessage.confirmText(r)))
                                        .confirm(plainText("Restart"))
                                        .deny(plainText("Cancel"))))),
            button(
                b ->
                    b.actionId(SlackApp.DENY)
                        .text(plainText("Deny"))
                        .style("danger")
                        .value(r.id()))));
  }

  private static String mine(RestartRequest r) {
    return "`%s` %s: *%s* · %s"
        .formatted(
            r.id(),
            Messages.targetList(r.targets(), 3),
            r.state().label(),
            Messages.slackDate(r.createdAt().getEpochSecond()));
  }

  private static String running(RestartRequest r, String progress) {
    return "`%s` %s · %d of %d done%s"
        .formatted(
            r.id(),
            Messages.targetList(r.targets(), 3),
            r.results().size(),
            r.targets().size(),
            progress == null ? "" : " · " + Messages.escape(progress));
  }

  private static LayoutBlock note(String text) {
    return context(List.<ContextBlockElement>of(ApprovalMessage.markdownText(text)));
  }
}
