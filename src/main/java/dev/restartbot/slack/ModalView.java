package dev.restartbot.slack;

import static com.slack.api.model.block.Blocks.input;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.option;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;
import static com.slack.api.model.block.element.BlockElements.conversationsSelect;
import static com.slack.api.model.block.element.BlockElements.multiExternalSelect;
import static com.slack.api.model.block.element.BlockElements.plainTextInput;
import static com.slack.api.model.block.element.BlockElements.staticSelect;
import static com.slack.api.model.view.Views.view;
import static com.slack.api.model.view.Views.viewClose;
import static com.slack.api.model.view.Views.viewSubmit;
import static com.slack.api.model.view.Views.viewTitle;

import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.composition.OptionObject;
import com.slack.api.model.block.element.ConversationsFilter;
import com.slack.api.model.view.View;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The restart modal (DESIGN.md §7.6), for phones: the same request as {@code /restart}, picked
 * instead of typed. Block id = action id: {@code channel} (from the shortcut only), {@code cluster}
 * (only when the bot serves several), {@code namespace}, {@code targets} (options loaded as the
 * user types, each valued {@code cluster/namespace/kind/name}) and {@code reason}. Within Slack's
 * limits: 100 options a select, 75 characters an option's text, 150 its value.
 */
final class ModalView {

  static final String CALLBACK = "restart_modal";
  static final String CHANNEL = "channel";
  static final String CLUSTER = "cluster";
  static final String NAMESPACE = "namespace";
  static final String TARGETS = "targets";
  static final String REASON = "reason";

  static final int MAX_OPTIONS = 100;
  static final int OPTION_TEXT = 75;
  static final int OPTION_VALUE = 150;

  private ModalView() {}

  /**
   * The form.
   *
   * @param channelId the channel of the command, kept in {@code private_metadata}; empty for the
   *     shortcut, which asks for one
   * @param clusters the clusters to pick from: a picker only when there are several
   * @param namespaces the namespaces this user may ask for (at most {@value #MAX_OPTIONS} shown)
   */
  static View form(
      Optional<String> channelId,
      List<String> clusters,
      String defaultCluster,
      List<String> namespaces,
      String defaultNamespace,
      int maxTargets) {
    List<LayoutBlock> blocks = new ArrayList<>();
    if (channelId.isEmpty()) {
      blocks.add(
          input(
              i ->
                  i.blockId(CHANNEL)
                      .label(plainText("Channel"))
                      .hint(
                          plainText("The approval message goes there; invite the bot to it first."))
                      .element(
                          conversationsSelect(
                              c ->
                                  c.actionId(CHANNEL)
                                      .placeholder(plainText("Pick a channel"))
                                      .filter(
                                          ConversationsFilter.builder()
                                              .include(List.of("public", "private"))
                                              .excludeBotUsers(true)
                                              .build())))));
    }
    if (clusters.size() > 1) {
      List<OptionObject> options = options(clusters);
      blocks.add(
          input(
              i ->
                  i.blockId(CLUSTER)
                      .label(plainText("Cluster"))
                      .element(
                          staticSelect(
                              s ->
                                  s.actionId(CLUSTER)
                                      .options(options)
                                      .initialOption(initial(options, defaultCluster))))));
    }
    List<OptionObject> nsOptions = options(namespaces);
    blocks.add(
        input(
            i ->
                i.blockId(NAMESPACE)
                    .label(plainText("Namespace"))
                    .element(
                        staticSelect(
                            s ->
                                s.actionId(NAMESPACE)
                                    .options(nsOptions)
                                    .initialOption(initial(nsOptions, defaultNamespace))))));
    blocks.add(
        input(
            i ->
                i.blockId(TARGETS)
                    .label(plainText("Workloads"))
                    .hint(plainText("Restarted one after another, in the order picked."))
                    .element(
                        multiExternalSelect(
                            select ->
                                select
                                    .actionId(TARGETS)
                                    .placeholder(plainText("Type part of a name"))
                                    .minQueryLength(0)
                                    .maxSelectedItems(maxTargets)))));
    blocks.add(
        input(
            i ->
                i.blockId(REASON)
                    .optional(true)
                    .label(plainText("Reason"))
                    .element(
                        plainTextInput(
                            p ->
                                p.actionId(REASON)
                                    .maxLength(CommandParser.MAX_REASON)
                                    .placeholder(plainText("e.g. leaking memory"))))));
    return view(
        v ->
            v.type("modal")
                .callbackId(CALLBACK)
                .title(viewTitle(t -> t.type("plain_text").text("Restart")))
                .submit(viewSubmit(s -> s.type("plain_text").text("Request")))
                .close(viewClose(c -> c.type("plain_text").text("Cancel")))
                .privateMetadata(channelId.orElse(""))
                .blocks(blocks));
  }

  /** A modal that only says something, such as that no rule lets this person ask for anything. */
  static View notice(String text) {
    return view(
        v ->
            v.type("modal")
                .callbackId(CALLBACK)
                .title(viewTitle(t -> t.type("plain_text").text("Restart")))
                .close(viewClose(c -> c.type("plain_text").text("Close")))
                .blocks(
                    List.of(
                        section(s -> s.text(ApprovalMessage.markdownText(Messages.limit(text)))))));
  }

  /** An option's value: {@code cluster/namespace/kind/name}. */
  static String value(Target target) {
    return String.join(
        "/", target.cluster(), target.namespace(), target.kind().singular(), target.name());
  }

  /** What an option shows: {@code deployment/payments-api}, cut to Slack's 75 characters. */
  static String text(Target target) {
    String ref = target.ref();
    return ref.length() <= OPTION_TEXT ? ref : ref.substring(0, OPTION_TEXT - 1) + "…";
  }

  /** Whether a target can be an option at all: its value within Slack's 150 characters. */
  static boolean fits(Target target) {
    return value(target).length() <= OPTION_VALUE;
  }

  /**
   * The target an option's value names, if it is one a cluster could hold: a known cluster, a kind,
   * a DNS label for the namespace and a DNS subdomain for the name.
   */
  static Optional<Target> target(String value, List<String> clusters) {
    String[] parts = value == null ? new String[0] : value.split("/", -1);
    if (parts.length != 4 || !clusters.contains(parts[0])) {
      return Optional.empty();
    }
    Optional<WorkloadKind> kind = WorkloadKind.parse(parts[2]);
    if (kind.isEmpty()
        || parts[1].length() > CommandParser.MAX_NAMESPACE
        || !CommandParser.LABEL.matcher(parts[1]).matches()
        || parts[3].length() > CommandParser.MAX_NAME
        || !CommandParser.NAME.matcher(parts[3]).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Target(parts[0], kind.get(), parts[1], parts[3]));
  }

  private static List<OptionObject> options(List<String> values) {
    return values.stream().limit(MAX_OPTIONS).map(v -> option(plainText(v), v)).toList();
  }

  private static OptionObject initial(List<OptionObject> options, String preferred) {
    return options.stream()
        .filter(o -> o.getValue().equals(preferred))
        .findFirst()
        .orElse(options.isEmpty() ? null : options.get(0));
  }
}
