package dev.restartbot.slack;

import static com.slack.api.model.block.Blocks.actions;
import static com.slack.api.model.block.Blocks.context;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.confirmationDialog;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;
import static com.slack.api.model.block.element.BlockElements.button;
import static dev.restartbot.slack.Messages.limit;
import static dev.restartbot.slack.Messages.slackDate;
import static dev.restartbot.slack.Messages.stateLine;

import com.slack.api.model.block.ContextBlockElement;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.WorkloadSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The approval message in Block Kit: who asks to restart what, the targets as they are now, the
 * reason, and the buttons while it waits; the state line once decided. It names every target in
 * full, within Slack's limits (50 blocks, 3,000 characters a text, 300 in the confirm dialog), at
 * any {@code restart.max-targets} up to {@link #MAX_TARGETS}.
 */
final class ApprovalMessage {

  static final String ACTIONS_BLOCK = "approval_actions";
  private static final int CONFIRM_TEXT_LIMIT = 300;

  /**
   * Targets shown one block each on the approval message; the rest are listed by name, as many to a
   * block as fit in 3,000 characters, so that the message stays within Slack's 50 blocks.
   */
  static final int DETAILED_TARGETS = 20;

  /**
   * The most targets a request may hold: {@code restart.max-targets} is refused above it at start.
   *
   * <p>An approver approves only what the message shows, so every target must be named in full. The
   * longest name Kubernetes allows takes 338 characters in a list ({@code `statefulset/` + 253 + ``
   * in `` + 63 + `, `}), so 8 fit in a block of 3,000: at 100 targets, 20 detailed blocks, 10
   * blocks of names and 4 others make 34 of Slack's 50, with room for the lines of later features.
   * The thread's summary, one message of at most 40,000 characters that names every target with its
   * outcome, takes about 36,500 at 100 such targets and would not fit at 110. And 100 is Slack's
   * limit of options in a select, which a modal that picks targets is held to. {@code
   * ApprovalLimitsTest} renders all of it at this bound with the longest names.
   */
  static final int MAX_TARGETS = 100;

  private static final int IMAGES_SHOWN = 5;

  private ApprovalMessage() {}

  /** The approval message while it waits: targets as they are now, and the two buttons. */
  static List<LayoutBlock> pending(RestartRequest request, List<WorkloadSnapshot> snapshots) {
    List<LayoutBlock> blocks = new ArrayList<>(header(request, snapshots));
    String count = Messages.approvalCount(request);
    blocks.add(
        context(
            List.<ContextBlockElement>of(
                markdownText(
                    (count.isEmpty() ? "" : count + " · ")
                        + "Expires "
                        + slackDate(request.expiresAt().getEpochSecond())
                        + " · request `"
                        + request.id()
                        + "`"))));
    blocks.add(
        actions(
            ACTIONS_BLOCK,
            List.of(
                button(
                    b ->
                        b.actionId(SlackApp.APPROVE)
                            .text(plainText("Approve"))
                            .style("primary")
                            .value(request.id())
                            .confirm(
                                confirmationDialog(
                                    c ->
                                        c.title(plainText("Restart now?"))
                                            .text(plainText(confirmText(request)))
                                            .confirm(plainText("Restart"))
                                            .deny(plainText("Cancel"))))),
                button(
                    b ->
                        b.actionId(SlackApp.DENY)
                            .text(plainText("Deny"))
                            .style("danger")
                            .value(request.id())))));
    return blocks;
  }

  /**
   * The approval message after a decision or at the end: the buttons give way to the state; while
   * the request runs and nobody has aborted it, an Abort button (DESIGN.md §7.5); also while it is
   * approved but its run has not started, where Abort takes the approval back.
   */
  static List<LayoutBlock> decided(RestartRequest request) {
    List<LayoutBlock> blocks = new ArrayList<>(header(request, List.of()));
    blocks.add(context(List.<ContextBlockElement>of(markdownText(stateLine(request)))));
    boolean notStarted = request.state() == RequestState.APPROVED;
    if (notStarted || request.state() == RequestState.RUNNING && request.abort().isEmpty()) {
      blocks.add(
          actions(
              ACTIONS_BLOCK,
              List.of(
                  button(
                      b ->
                          b.actionId(SlackApp.ABORT)
                              .text(plainText("Abort"))
                              .style("danger")
                              .value(request.id())
                              .confirm(
                                  confirmationDialog(
                                      c ->
                                          c.title(plainText("Abort the restarts?"))
                                              .text(
                                                  plainText(
                                                      notStarted
                                                          ? ABORT_BEFORE_START_CONFIRM
                                                          : ABORT_CONFIRM))
                                              .confirm(plainText("Abort"))
                                              .deny(plainText("Keep going"))
                                              .style("danger")))))));
    }
    return blocks;
  }

  static final String ABORT_BEFORE_START_CONFIRM =
      "Nothing has been restarted yet: the approval is taken back and no workload is restarted.";

  static final String ABORT_CONFIRM =
      "The workload being restarted now is followed to the end of its rollout (never left"
          + " half-restarted); the workloads after it are not restarted.";

  private static List<LayoutBlock> header(
      RestartRequest request, List<WorkloadSnapshot> snapshots) {
    List<LayoutBlock> blocks = new ArrayList<>();
    int n = request.targets().size();
    // A request's targets share a cluster (one command, one cluster): named once, up here.
    Optional<String> shared = Messages.sharedCluster(request.targets());
    blocks.add(
        section(
            s ->
                s.text(
                    markdownText(
                        ":arrows_counterclockwise: <@"
                            + request.requesterId()
                            + (request.isRollback()
                                ? "> asks to roll back "
                                    + (n == 1 ? "1 workload" : n + " workloads")
                                    + " to its previous revision"
                                : "> asks to restart " + (n == 1 ? "1 workload" : n + " workloads"))
                            + shared.map(c -> " on `" + c + "`").orElse("")
                            + (n > 1 ? ", one after another" : "")
                            + ":"))));
    int shown = Math.min(n, DETAILED_TARGETS);
    for (int i = 0; i < shown; i++) {
      Target t = request.targets().get(i);
      WorkloadSnapshot snap = i < snapshots.size() ? snapshots.get(i) : null;
      String line =
          "*%s* in `%s`%s"
              .formatted(t.ref(), t.namespace(), shared.isEmpty() ? Messages.onCluster(t) : "");
      if (snap != null) {
        line +=
            "\n%d/%d ready%s · last restarted %s"
                .formatted(
                    snap.ready(),
                    snap.desired(),
                    images(snap.images()),
                    snap.lastRestartedAt().map(Messages::verbatim).orElse("never"));
        for (String risk : RiskLines.of(snap)) {
          line += "\n" + risk;
        }
      }
      String text = limit(line);
      blocks.add(section(s -> s.text(markdownText(text))));
    }
    if (n > shown) {
      // Slack takes at most 50 blocks a message: the rest are named, without details, in as few
      // blocks as the 3,000 characters of a text allow.
      StringBuilder rest = new StringBuilder("…and %d more:".formatted(n - shown));
      for (int i = shown; i < n; i++) {
        Target t = request.targets().get(i);
        String name =
            (shared.isEmpty() ? Messages.target(t) : Messages.inNamespace(t))
                + (i < n - 1 ? "," : "");
        if (rest.length() + 1 + name.length() > Messages.TEXT_LIMIT) {
          String full = rest.toString();
          blocks.add(section(s -> s.text(markdownText(full))));
          rest.setLength(0);
        }
        rest.append(rest.length() == 0 ? "" : " ").append(name);
      }
      String last = limit(rest.toString());
      blocks.add(section(s -> s.text(markdownText(last))));
    }
    // The reason as typed: a plain_text object, which Slack shows without any formatting.
    request
        .reason()
        .ifPresent(
            reason ->
                blocks.add(
                    context(
                        List.<ContextBlockElement>of(
                            markdownText("*Reason:*"),
                            PlainTextObject.builder().text(limit(reason)).emoji(false).build()))));
    return blocks;
  }

  /** At most a few images a target: a pod of many sidecars must not crowd out the rest. */
  private static String images(List<String> images) {
    if (images.isEmpty()) {
      return "";
    }
    String shown =
        images.stream()
            .limit(IMAGES_SHOWN)
            .map(Messages::verbatim)
            .collect(Collectors.joining(", "));
    return " · "
        + shown
        + (images.size() > IMAGES_SHOWN
            ? " and %d more".formatted(images.size() - IMAGES_SHOWN)
            : "");
  }

  /**
   * The confirm dialog of the Approve button: the targets, and for a request that needs several
   * approvals, which one this click would be.
   */
  static String confirmText(RestartRequest request) {
    int needed = request.approvalsNeeded();
    if (needed < 2) {
      return confirmText(request.targets());
    }
    int next = request.approvals().size() + 1;
    String count =
        next >= needed
            ? "%d of %d: this approval starts the restart. ".formatted(needed, needed)
            : "%d of %d approvals; the restart starts at %d. ".formatted(next, needed, needed);
    return count + confirmText(request.targets(), CONFIRM_TEXT_LIMIT - count.length());
  }

  static String confirmText(List<Target> targets) {
    return confirmText(targets, CONFIRM_TEXT_LIMIT);
  }

  private static String confirmText(List<Target> targets, int limit) {
    Optional<String> shared = Messages.sharedCluster(targets);
    StringBuilder text =
        new StringBuilder(
            shared
                .map("This restarts, on %s, one after another: "::formatted)
                .orElse("This restarts, one after another: "));
    for (int i = 0; i < targets.size(); i++) {
      Target t = targets.get(i);
      String next =
          (i == 0 ? "" : ", ")
              + t.ref()
              + " in "
              + t.namespace()
              + (shared.isEmpty() && t.inNamedCluster() ? " on " + t.cluster() : "");
      String rest = " and " + (targets.size() - i) + " more.";
      if (text.length() + next.length() + rest.length() + 1 > limit) {
        // Not even the first name fits (a name may have 253 characters): count them instead.
        return i > 0
            ? text + rest
            : targets.size() == 1
                ? "This restarts the workload this message names."
                : "This restarts the %d workloads this message lists, one after another."
                    .formatted(targets.size());
      }
      text.append(next);
    }
    return text.append('.').toString();
  }

  /**
   * A mrkdwn text that Slack takes as written: no links made of bare URLs or channel names (a
   * workload may be called {@code example.com}); the mentions and dates the bot writes itself in
   * Slack's {@code <…>} syntax still work.
   */
  static MarkdownTextObject markdownText(String text) {
    return MarkdownTextObject.builder().text(text).verbatim(true).build();
  }
}
