package dev.restartbot.slack;

import com.slack.api.app_backend.events.payload.EventsApiPayload;
import com.slack.api.bolt.context.builtin.EventContext;
import com.slack.api.bolt.response.Response;
import com.slack.api.model.event.AppHomeOpenedEvent;
import com.slack.api.model.view.View;
import dev.restartbot.policy.Actor;
import dev.restartbot.restart.PersonalRequests;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RestartRequest;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The App Home tab ({@link HomeView}): published ({@code views.publish}) when someone opens it, and
 * again for the people a request concerns when it moves: its requester, and those who have opened
 * their tab and may approve it; a run starting, moving on or ending concerns everyone who has. Each
 * person's tab is published on their own {@link OrderedDelivery} queue, and a refresh asked for
 * while one waits there is the same refresh: a burst of events costs one publish a person. Rollout
 * progress refreshes a tab at most once per {@link #PROGRESS_INTERVAL}.
 *
 * <p>Who has opened the tab is known per replica, since Slack sends the event to one of them: a
 * replica that has not seen it refreshes nobody but requesters, and the tab is published afresh the
 * next time it is opened.
 */
@Singleton
public class HomeTab {

  private static final Logger LOG = Logger.getLogger(HomeTab.class);

  /** How many people's open tabs are remembered, the least recently opened forgotten first. */
  static final int REMEMBERED = 1_000;

  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

  private final PersonalRequests requests;
  private final SlackDirectory directory;
  private final SlackClient slack;
  private final OrderedDelivery delivery;

  /** Who has opened their tab, as the policy sees them, most recent last. */
  private final Map<String, Actor> opened =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Actor> eldest) {
              return size() > REMEMBERED;
            }
          });

  /** Whose refresh waits on their queue already. */
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();

  /** When each tab was last published, in nanoseconds, to space out progress. */
  private final Map<String, Long> publishedAt = new ConcurrentHashMap<>();

  /** Per running request, the newest word on its rollout. */
  private final Map<String, String> progress = new ConcurrentHashMap<>();

  HomeTab(
      PersonalRequests requests,
      SlackDirectory directory,
      SlackClient slack,
      OrderedDelivery delivery) {
    this.requests = requests;
    this.directory = directory;
    this.slack = slack;
    this.delivery = delivery;
  }

  /** {@code app_home_opened}: the Home tab, not the Messages tab, is published afresh. */
  Response opened(EventsApiPayload<AppHomeOpenedEvent> payload, EventContext ctx) {
    AppHomeOpenedEvent event = payload.getEvent();
    if (event != null && "home".equals(event.getTab()) && event.getUser() != null) {
      String user = event.getUser();
      // Looked up afresh on its queue, then published with what was learned.
      delivery.offer("home:" + user, () -> learn(user));
      refresh(user);
    }
    return ctx.ack();
  }

  void on(@Observes RequestEvent event) {
    if (!(event instanceof RequestEvent.OfRequest of)) {
      return; // refusals change nothing anyone's tab shows
    }
    if (event instanceof RequestEvent.TargetProgress p) {
      progress.put(p.requestId(), Messages.progress(p.target(), p.status().summary()));
    }
    if (event instanceof RequestEvent.TargetFinished) {
      progress.remove(event.requestId());
    }
    if (of.request().state().isFinal()) {
      progress.remove(event.requestId());
    }
    if (opened.isEmpty()) {
      // Nobody's tab to refresh: a tab opened later is published afresh then. A run's sequence
      // publishes three events a target; none of them need a delivery thread woken for nothing.
      return;
    }
    boolean spaced = event instanceof RequestEvent.TargetProgress;
    // Off the thread that published it: finding who may approve may ask Slack for group members.
    delivery.offer("home-events", () -> concerned(of.request(), spaced));
  }

  private void learn(String userId) {
    try {
      opened.put(userId, directory.requestTime().person(userId).actor());
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not look up %s, who opened the Home tab: %s", userId, e.error());
    }
  }

  private void concerned(RestartRequest request, boolean spaced) {
    Map<String, Actor> people;
    synchronized (opened) {
      people = Map.copyOf(opened);
    }
    SlackDirectory.RequestTime groups = directory.requestTime();
    people.forEach(
        (person, actor) -> {
          if (spaced && recentlyPublished(person)) {
            return;
          }
          if (person.equals(request.requesterId()) || mayApprove(actor, request, groups)) {
            refresh(person);
          }
        });
  }

  private boolean mayApprove(
      Actor actor, RestartRequest request, SlackDirectory.RequestTime groups) {
    try {
      return requests.mayApprove(actor, request, groups);
    } catch (SlackDeliveryException e) {
      LOG.debugf(
          "could not tell whether %s may approve %s: %s", actor.userId(), request.id(), e.error());
      return false;
    }
  }

  private boolean recentlyPublished(String person) {
    Long at = publishedAt.get(person);
    return at != null && System.nanoTime() - at < PROGRESS_INTERVAL.toNanos();
  }

  /** Publishes {@code userId}'s tab on their queue, unless a refresh already waits there. */
  void refresh(String userId) {
    if (!waiting.add(userId)) {
      return;
    }
    boolean taken =
        delivery.offer(
            "home:" + userId,
            () -> {
              waiting.remove(userId);
              publish(userId);
            });
    if (!taken) {
      waiting.remove(userId);
    }
  }

  private void publish(String userId) {
    try {
      SlackDirectory.RequestTime groups = directory.requestTime();
      Actor person = opened.get(userId);
      if (person == null) {
        return; // not learned (Slack did not answer), or forgotten since
      }
      View view = HomeView.of(requests.of(person, groups, HomeView.PER_PART), Map.copyOf(progress));
      publishedAt.put(userId, System.nanoTime());
      slack.call("views.publish", m -> m.viewsPublish(r -> r.userId(userId).view(view)));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not publish the Home tab of %s: %s", userId, e.error());
    }
  }
}
