package dev.restartbot.slack;

import com.slack.api.app_backend.interactive_components.payload.BlockSuggestionPayload;
import com.slack.api.app_backend.interactive_components.payload.GlobalShortcutPayload;
import com.slack.api.app_backend.interactive_components.response.Option;
import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.app_backend.views.payload.ViewSubmissionPayload;
import com.slack.api.bolt.context.builtin.BlockSuggestionContext;
import com.slack.api.bolt.context.builtin.GlobalShortcutContext;
import com.slack.api.bolt.context.builtin.SlashCommandContext;
import com.slack.api.bolt.context.builtin.ViewSubmissionContext;
import com.slack.api.bolt.request.builtin.BlockSuggestionRequest;
import com.slack.api.bolt.request.builtin.GlobalShortcutRequest;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.request.builtin.ViewSubmissionRequest;
import com.slack.api.bolt.response.Response;
import com.slack.api.methods.response.conversations.ConversationsInfoResponse;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.view.View;
import com.slack.api.model.view.ViewState;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.PolicyRefusal;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.Catalog;
import dev.restartbot.restart.Refusal;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The restart modal ({@link ModalView}): opened by {@code /restart} without arguments and by the
 * global shortcut, its workload options loaded as the user types, and its submission filed exactly
 * as the command files a request ({@link RestartCommand#file}).
 *
 * <p>Slack waits three seconds for the answer to a submission, and filing reads every target and
 * runs a dry run. As the command does, the work runs on the edge's threads and is awaited for
 * {@code slack.ack-budget}: when it ends in time, a refusal comes back on its field ({@code
 * response_action: errors}, the modal stays open) and a new request replaces the form with its
 * confirmation ({@code response_action: update}). When it does not, the modal shows that the
 * request is being checked, and {@code views.update} shows how it ended, refusal or request, once
 * it has.
 */
@Singleton
public class RestartModal {

  static final String SHORTCUT = "restart_shortcut";

  private static final Logger LOG = Logger.getLogger(RestartModal.class);

  /** How long the workloads of a namespace are kept for the options, which load as one types. */
  static final Duration WORKLOADS_TTL = Duration.ofSeconds(5);

  private final Catalog catalog;
  private final SlackDirectory directory;
  private final RestartCommand command;
  private final SlackClient slack;
  private final EdgeWork executor;
  private final UserLimits limits;
  private final SlackSettings settings;
  private final String defaultNamespace;
  private final int maxTargets;
  private final SingleFlightCache<String, List<Target>> workloads =
      new SingleFlightCache<>(WORKLOADS_TTL, System::nanoTime);

  RestartModal(
      Catalog catalog,
      SlackDirectory directory,
      RestartCommand command,
      SlackClient slack,
      EdgeWork executor,
      UserLimits limits,
      SlackSettings settings,
      PolicyConfig policy) {
    this.catalog = catalog;
    this.directory = directory;
    this.command = command;
    this.slack = slack;
    this.executor = executor;
    this.limits = limits;
    this.settings = settings;
    this.defaultNamespace = policy.defaultNamespace();
    this.maxTargets = policy.maxTargets();
  }

  /** {@code /restart} with nothing after it: the modal, for the channel of the command. */
  Response openFromCommand(SlashCommandRequest req, SlashCommandContext ctx) {
    SlashCommandPayload payload = req.getPayload();
    if (blank(payload.getUserId()) || blank(payload.getTriggerId())) {
      return ctx.ack(); // signed, but not a command Slack sends: nothing to open
    }
    return open(payload.getUserId(), payload.getTriggerId(), Optional.of(payload.getChannelId()))
        .map(ctx::ack)
        .orElseGet(ctx::ack);
  }

  /** The global shortcut: the modal, with a channel to pick. */
  Response openFromShortcut(GlobalShortcutRequest req, GlobalShortcutContext ctx) {
    GlobalShortcutPayload payload = req.getPayload();
    if (payload.getUser() == null
        || blank(payload.getUser().getId())
        || blank(payload.getTriggerId())) {
      return ctx.ack();
    }
    open(payload.getUser().getId(), payload.getTriggerId(), Optional.empty());
    return ctx.ack();
  }

  /**
   * Opens the modal after the ack, on the edge's threads (the trigger id lasts three seconds, and
   * the namespaces may need the cluster). Answers what to tell the user at once instead, if
   * anything.
   */
  private Optional<String> open(String userId, String triggerId, Optional<String> channelId) {
    UserLimits.Verdict limit = limits.take(userId, "command");
    if (!limit.allowed()) {
      return Optional.of(Messages.slowDown(limit.retryAfter()));
    }
    try {
      executor.run(() -> show(userId, triggerId, channelId));
      return Optional.empty();
    } catch (RejectedExecutionException e) {
      LOG.warn("the restart modal refused: the edge's threads and queue are full");
      return Optional.of(Messages.busy());
    }
  }

  private void show(String userId, String triggerId, Optional<String> channelId) {
    View view;
    try {
      SlackDirectory.RequestTime people = directory.requestTime();
      SlackDirectory.Person person = people.person(userId);
      Set<String> namespaces = new LinkedHashSet<>();
      for (String cluster : catalog.clusters()) {
        namespaces.addAll(catalog.literalNamespaces(cluster, person.actor(), people));
        namespaces.addAll(
            catalog.namespacesMatching(
                cluster, catalog.namespaceGlobs(cluster, person.actor(), people)));
      }
      view =
          namespaces.isEmpty()
              ? ModalView.notice(
                  "No rule of the restart allowlist lets you request restarts. Ask whoever runs"
                      + " the bot to add you.")
              : ModalView.form(
                  channelId,
                  catalog.clusters(),
                  catalog.defaultCluster(),
                  List.copyOf(namespaces),
                  defaultNamespace,
                  maxTargets);
    } catch (SlackDeliveryException e) {
      view =
          ModalView.notice(
              Refusals.answer(new Refusal.WhoUnknown(e.error()), RestartCommand::permalink));
    }
    View shown = view;
    try {
      slack.call("views.open", m -> m.viewsOpen(r -> r.triggerId(triggerId).view(shown)));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not open the restart modal for %s: %s", userId, e.error());
    }
  }

  /**
   * The options of the {@code targets} field: what exists in the picked cluster and namespace and
   * this user may ask for, filtered by what they typed, at most 100. Answered within the ack budget
   * (the lists are kept a few seconds, per cluster and namespace); none if the cluster is slow, in
   * which case the list still loads, for the next keystroke.
   */
  Response suggest(BlockSuggestionRequest req, BlockSuggestionContext ctx) {
    BlockSuggestionPayload payload = req.getPayload();
    String userId = payload.getUser() == null ? null : payload.getUser().getId();
    Map<String, Map<String, ViewState.Value>> values = values(payload.getView());
    String cluster = selected(values, ModalView.CLUSTER).orElse(catalog.defaultCluster());
    Optional<String> namespace = selected(values, ModalView.NAMESPACE);
    String typed =
        payload.getValue() == null ? "" : payload.getValue().strip().toLowerCase(Locale.ROOT);
    if (userId == null || namespace.isEmpty()) {
      return ctx.ack(r -> r.options(List.of()));
    }
    List<Option> options;
    try {
      options =
          executor
              .supply(() -> options(userId, cluster, namespace.get(), typed))
              .get(settings.ackBudget().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | RejectedExecutionException | ExecutionException e) {
      LOG.infof("no workload options for %s in time: %s", namespace.get(), e);
      options = List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      options = List.of();
    }
    List<Option> answer = options;
    return ctx.ack(r -> r.options(answer));
  }

  private List<Option> options(String userId, String cluster, String namespace, String typed) {
    SlackDirectory.RequestTime people = directory.requestTime();
    SlackDirectory.Person person = people.person(userId);
    return workloads
        .get(cluster + "/" + namespace, () -> catalog.existing(cluster, namespace))
        .stream()
        .filter(ModalView::fits)
        .filter(t -> typed.isEmpty() || t.ref().contains(typed))
        .filter(t -> catalog.mayAsk(t, person.actor(), people))
        .limit(ModalView.MAX_OPTIONS)
        .map(
            t ->
                new Option(
                    PlainTextObject.builder().text(ModalView.text(t)).build(), ModalView.value(t)))
        .toList();
  }

  /** What became of a submission: errors by field, or the answer that replaces the form. */
  private record Outcome(Map<String, String> errors, String answer) {
    static Outcome error(String field, String text) {
      return new Outcome(Map.of(field, text), null);
    }

    static Outcome answered(String text) {
      return new Outcome(Map.of(), text);
    }

    String text() {
      return answer != null ? answer : ":no_entry: " + String.join(" ", errors.values());
    }
  }

  /** A submission: the command's checks and path, answered on the form (see the class comment). */
  Response submit(ViewSubmissionRequest req, ViewSubmissionContext ctx) {
    ViewSubmissionPayload payload = req.getPayload();
    if (payload.getUser() == null
        || blank(payload.getUser().getId())
        || payload.getView() == null) {
      return ctx.ack(); // signed, but not a submission Slack sends
    }
    String userId = payload.getUser().getId();
    UserLimits.Verdict limit = limits.take(userId, "command");
    if (!limit.allowed()) {
      return ctx.ackWithErrors(Map.of(ModalView.TARGETS, Messages.slowDown(limit.retryAfter())));
    }
    View view = payload.getView();
    Map<String, Map<String, ViewState.Value>> values = values(view);
    List<Target> targets = new ArrayList<>();
    ViewState.Value picked = value(values, ModalView.TARGETS);
    List<ViewState.SelectedOption> options =
        picked == null || picked.getSelectedOptions() == null
            ? List.of()
            : picked.getSelectedOptions();
    for (ViewState.SelectedOption option : options) {
      Optional<Target> target = ModalView.target(option.getValue(), catalog.clusters());
      if (target.isEmpty()) {
        return ctx.ackWithErrors(
            Map.of(ModalView.TARGETS, "This is not a workload I know; pick it from the list."));
      }
      if (!targets.contains(target.get())) {
        targets.add(target.get());
      }
    }
    if (targets.isEmpty()) {
      return ctx.ackWithErrors(Map.of(ModalView.TARGETS, "Pick at least one workload."));
    }
    if (targets.size() > maxTargets) {
      return ctx.ackWithErrors(
          Map.of(
              ModalView.TARGETS,
              "Too many workloads: at most %d in one request.".formatted(maxTargets)));
    }
    if (targets.stream().map(Target::cluster).distinct().count() > 1) {
      return ctx.ackWithErrors(
          Map.of(ModalView.TARGETS, "One request restarts workloads of one cluster only."));
    }
    Optional<String> reason;
    try {
      ViewState.Value typed = value(values, ModalView.REASON);
      reason = CommandParser.reason(typed == null ? null : typed.getValue());
    } catch (IllegalArgumentException e) {
      return ctx.ackWithErrors(Map.of(ModalView.REASON, e.getMessage()));
    }
    Optional<String> fromCommand =
        Optional.ofNullable(view.getPrivateMetadata()).filter(s -> !s.isBlank());
    Optional<String> pickedChannel =
        Optional.ofNullable(value(values, ModalView.CHANNEL))
            .map(ViewState.Value::getSelectedConversation);
    if (fromCommand.isEmpty() && pickedChannel.isEmpty()) {
      return ctx.ackWithErrors(Map.of(ModalView.CHANNEL, "Pick the channel for the request."));
    }
    CompletableFuture<Outcome> work;
    try {
      work =
          executor.supply(
              () -> file(userId, fromCommand, pickedChannel, targets, reason, view.getId()));
    } catch (RejectedExecutionException e) {
      LOG.warn("a modal submission refused: the edge's threads and queue are full");
      return ctx.ackWithErrors(Map.of(ModalView.TARGETS, Messages.busy()));
    }
    try {
      Outcome outcome = work.get(settings.ackBudget().toMillis(), TimeUnit.MILLISECONDS);
      return outcome.errors().isEmpty()
          ? ctx.ackWithUpdate(ModalView.notice(outcome.answer()))
          : ctx.ackWithErrors(outcome.errors());
    } catch (TimeoutException e) {
      String viewId = view.getId();
      work.thenAccept(outcome -> update(viewId, outcome.text()));
      return ctx.ackWithUpdate(
          ModalView.notice(
              ":hourglass_flowing_sand: Checking your request; I'll answer here in a moment."));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ctx.ackWithErrors(
          Map.of(ModalView.TARGETS, "Sorry, I was interrupted; please try again."));
    } catch (ExecutionException e) {
      LOG.error("a modal submission failed", e.getCause());
      return ctx.ackWithErrors(
          Map.of(
              ModalView.TARGETS,
              "Sorry, something went wrong on my side; the details are in the bot's logs."));
    }
  }

  private Outcome file(
      String userId,
      Optional<String> fromCommand,
      Optional<String> picked,
      List<Target> targets,
      Optional<String> reason,
      String viewId) {
    String channel;
    ConversationKind kind;
    if (fromCommand.isPresent()) {
      channel = fromCommand.get();
      kind = ConversationKind.fromChannelId(channel);
    } else {
      channel = picked.get();
      Optional<ConversationKind> member;
      try {
        member = memberOf(channel);
      } catch (SlackDeliveryException e) {
        return Outcome.error(
            ModalView.CHANNEL,
            "I could not check this channel just now (%s); please try again.".formatted(e.error()));
      }
      if (member.isEmpty()) {
        return Outcome.error(
            ModalView.CHANNEL,
            "I am not in this channel: invite me first (/invite @restart-bot), or pick another.");
      }
      kind = member.get();
    }
    RestartCommand.Filed filed =
        command.file(userId, channel, kind, targets, reason, text -> update(viewId, text));
    return filed
        .refusal()
        .map(
            refusal ->
                Outcome.error(
                    field(refusal, fromCommand.isEmpty()), Refusals.text(refusal, r -> null)))
        .orElseGet(() -> Outcome.answered(filed.answer()));
  }

  /**
   * Where a refusal shows: on the picked channel when the channel is the reason, else on the
   * workloads.
   */
  private static String field(Refusal refusal, boolean channelPicked) {
    return channelPicked
            && refusal instanceof Refusal.NotAllowed n
            && n.reason() instanceof PolicyRefusal.ChannelNotAllowed
        ? ModalView.CHANNEL
        : ModalView.TARGETS;
  }

  /**
   * The kind of {@code channel} when the bot is a member of it; empty when it is not (a private
   * channel it is not in is one Slack does not show it at all).
   */
  private Optional<ConversationKind> memberOf(String channel) {
    ConversationsInfoResponse info;
    try {
      info = slack.call("conversations.info", m -> m.conversationsInfo(r -> r.channel(channel)));
    } catch (SlackDeliveryException e) {
      if ("channel_not_found".equals(e.error())) {
        return Optional.empty();
      }
      throw e;
    }
    var c = info.getChannel();
    if (c == null || !c.isMember()) {
      return Optional.empty();
    }
    if (c.isIm() || c.isMpim()) {
      return Optional.of(ConversationKind.DIRECT_MESSAGE);
    }
    return Optional.of(
        c.isPrivate() ? ConversationKind.PRIVATE_CHANNEL : ConversationKind.PUBLIC_CHANNEL);
  }

  /** Replaces the modal with {@code text}, once its submission has been answered. */
  private void update(String viewId, String text) {
    try {
      slack.call(
          "views.update", m -> m.viewsUpdate(r -> r.viewId(viewId).view(ModalView.notice(text))));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not show the outcome in the restart modal: %s", e.error());
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private static Map<String, Map<String, ViewState.Value>> values(View view) {
    if (view == null || view.getState() == null || view.getState().getValues() == null) {
      return Map.of();
    }
    return view.getState().getValues();
  }

  /** The value of the field whose block id and action id are both {@code id}. */
  private static ViewState.Value value(
      Map<String, Map<String, ViewState.Value>> values, String id) {
    Map<String, ViewState.Value> block = values.get(id);
    return block == null ? null : block.get(id);
  }

  private static Optional<String> selected(
      Map<String, Map<String, ViewState.Value>> values, String id) {
    ViewState.Value v = value(values, id);
    return v == null || v.getSelectedOption() == null
        ? Optional.empty()
        : Optional.ofNullable(v.getSelectedOption().getValue());
  }
}
