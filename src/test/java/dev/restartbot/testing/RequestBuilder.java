package dev.restartbot.testing;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.RequestAction;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds requests for tests: a pending request of one deployment by {@code U0REQ} in {@code C0OPS},
 * unless told otherwise, so that each test names only what it is about.
 */
public final class RequestBuilder {

  public static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  private String id = "req1";
  private RequestState state = RequestState.PENDING;
  private Actor requester = Actor.member("U0REQ");
  private String requesterName = "alice";
  private String channelId = "C0OPS";
  private Optional<ConversationKind> conversation = Optional.empty();
  private List<Target> targets = List.of(new Target(WorkloadKind.DEPLOYMENT, "ns", "api"));
  private Optional<String> reason = Optional.empty();
  private boolean approvalRequired = true;
  private Instant createdAt = T0;
  private Duration ttl = Duration.ofMinutes(15);
  private Optional<Instant> expiresAt = Optional.empty();
  private Optional<String> messageTs = Optional.empty();
  private Optional<RestartRequest.Decision> decision = Optional.empty();
  private List<TargetResult> results = new ArrayList<>();
  private Optional<Instant> finishedAt = Optional.empty();

  public static RequestBuilder request() {
    return new RequestBuilder();
  }

  /** A copy of {@code r} to change. */
  public static RequestBuilder from(RestartRequest r) {
    RequestBuilder b = new RequestBuilder();
    b.id = r.id();
    b.state = r.state();
    b.requester = r.requester();
    b.requesterName = r.asked().requesterName();
    b.channelId = r.channelId();
    b.conversation = Optional.of(r.conversation());
    b.targets = r.targets();
    b.reason = r.reason();
    b.approvalRequired = r.approvalRequired();
    b.createdAt = r.createdAt();
    b.expiresAt = Optional.of(r.expiresAt());
    b.messageTs = r.messageTs();
    b.decision = r.decision();
    b.results = new ArrayList<>(r.results());
    b.finishedAt = r.finishedAt();
    return b;
  }

  public RequestBuilder id(String id) {
    this.id = id;
    return this;
  }

  public RequestBuilder state(RequestState state) {
    this.state = state;
    return this;
  }

  public RequestBuilder requester(Actor requester) {
    this.requester = requester;
    return this;
  }

  public RequestBuilder requester(String userId, String name) {
    this.requester = Actor.member(userId);
    this.requesterName = name;
    return this;
  }

  public RequestBuilder channel(String channelId) {
    this.channelId = channelId;
    return this;
  }

  /** The kind of conversation; by default, what the channel id says. */
  public RequestBuilder conversation(ConversationKind kind) {
    this.conversation = Optional.of(kind);
    return this;
  }

  public RequestBuilder targets(Target... targets) {
    this.targets = List.of(targets);
    return this;
  }

  public RequestBuilder targets(List<Target> targets) {
    this.targets = List.copyOf(targets);
    return this;
  }

  /** Deployments of these names in namespace {@code ns}. */
  public RequestBuilder deployments(String namespace, String... names) {
    this.targets =
        Arrays.stream(names).map(n -> new Target(WorkloadKind.DEPLOYMENT, namespace, n)).toList();
    return this;
  }

  public RequestBuilder reason(String reason) {
    this.reason = Optional.ofNullable(reason);
    return this;
  }

  public RequestBuilder reason(Optional<String> reason) {
    this.reason = reason;
    return this;
  }

  public RequestBuilder createdAt(Instant at) {
    this.createdAt = at;
    return this;
  }

  public RequestBuilder expiresAt(Instant at) {
    this.expiresAt = Optional.of(at);
    return this;
  }

  public RequestBuilder message(String ts) {
    this.messageTs = Optional.of(ts);
    return this;
  }

  /** Needs no approval: approved by the policy when it was created. */
  public RequestBuilder byPolicy() {
    this.approvalRequired = false;
    this.state = RequestState.APPROVED;
    this.decision = Optional.of(new RestartRequest.Decision(new Decider.ByPolicy(), createdAt));
    return this;
  }

  /** Decided by a person into {@code next}. */
  public RequestBuilder decided(RequestState next, String userId, String name, Instant at) {
    this.state = next;
    this.decision = Optional.of(new RestartRequest.Decision(new Decider.Person(userId, name), at));
    return this;
  }

  public RequestBuilder approvedBy(String userId) {
    return decided(RequestState.APPROVED, userId, userId, createdAt.plusSeconds(5));
  }

  public RequestBuilder result(TargetResult result) {
    this.results.add(result);
    return this;
  }

  public RequestBuilder finished(RequestState state, Instant at) {
    this.state = state;
    this.finishedAt = Optional.of(at);
    return this;
  }

  public RestartRequest build() {
    return new RestartRequest(
        id,
        state,
        new RestartRequest.Ask(
            requester,
            requesterName,
            channelId,
            conversation.orElse(ConversationKind.fromChannelId(channelId)),
            targets,
            reason,
            approvalRequired,
            createdAt,
            expiresAt.orElse(createdAt.plus(ttl)),
            1,
            Map.of(),
            RequestAction.RESTART),
        messageTs,
        decision,
        results,
        finishedAt);
  }
}
