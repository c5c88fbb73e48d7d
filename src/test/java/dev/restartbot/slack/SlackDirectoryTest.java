package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import dev.restartbot.policy.Actor;
import dev.restartbot.sandbox.SlackWebApiFake;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The directory against a Slack Web API fake over real HTTP and the real SDK: decisions read Slack
 * now, request-time checks share a cache with a real ttl (on a ticker the test moves), and {@code
 * users.info} decides who is a guest and who belongs to another organisation.
 */
class SlackDirectoryTest {

  static final String TEAM = "T0HOME";
  static final String ENTERPRISE = "E0HOME";
  static final Duration TTL = Duration.ofMinutes(5);

  /** A workspace outside Enterprise Grid, and one inside the organisation {@link #ENTERPRISE}. */
  static final Workspace PLAIN = new Workspace(null);

  static final Workspace GRID = new Workspace(ENTERPRISE);

  @AfterAll
  static void stop() {
    PLAIN.slack.close();
    GRID.slack.close();
  }

  /** One fake workspace, counting each method's calls; {@code users.info} may be held. */
  static final class Workspace {
    final SlackWebApiFake slack;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    volatile CountDownLatch holdUsersInfo;
    volatile CountDownLatch usersInfoArrived;
    final AtomicInteger failUsersInfo = new AtomicInteger();

    Workspace(String enterpriseId) {
      slack =
          SlackWebApiFake.builder(
                  new SlackWebApiFake.Team(
                      TEAM,
                      "Home",
                      "https://home.slack.invalid/",
                      "U0BOT",
                      "B0BOT",
                      "restartbot",
                      "A0HOME",
                      enterpriseId),
                  new ObjectMapper())
              .openWorld("ops")
              .around(
                  (request, fake) -> {
                    calls
                        .computeIfAbsent(request.method(), m -> new AtomicInteger())
                        .incrementAndGet();
                    if (request.method().equals("users.info")
                        && failUsersInfo.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                      return SlackWebApiFake.Answer.of(
                          new ObjectMapper()
                              .createObjectNode()
                              .put("ok", false)
                              .put("error", "fatal_error"));
                    }
                    if (request.method().equals("users.info") && holdUsersInfo != null) {
                      usersInfoArrived.countDown();
                      try {
                        holdUsersInfo.await(10, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }
                    return fake.apply(request);
                  })
              .threadName("directory-test-slack")
              .start();
    }

    int count(String method) {
      AtomicInteger n = calls.get(method);
      return n == null ? 0 : n.get();
    }

    void reset() {
      calls.clear();
      slack.forgetPeople();
      holdUsersInfo = null;
      failUsersInfo.set(0);
    }

    SlackDirectory directory(AtomicLong ticker) {
      SlackConfig config = new SlackConfig();
      config.setMethodsEndpointUrlPrefix(slack.apiUrl());
      config.setStatsEnabled(false);
      SlackClient client =
          new SlackClient(
              Slack.getInstance(config).methods("xoxb-test"), d -> {}, new SimpleMeterRegistry());
      return new SlackDirectory(client, TTL, ticker::get);
    }
  }

  private final AtomicLong ticker = new AtomicLong(1_000);

  @BeforeEach
  void setUp() {
    PLAIN.reset();
    GRID.reset();
  }

  @Nested
  class Membership {

    private SlackDirectory directory;

    @BeforeEach
    void setUp() {
      directory = PLAIN.directory(ticker);
      PLAIN.slack.setGroupMembers("S0LEADS", List.of("U0BOB", "U0DAN"));
    }

    @Test
    void aDecisionReadsMembershipAfreshWhileRequestTimeChecksStillHoldTheCachedOne() {
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isTrue();

      // Bob leaves the group a minute later, well within the ttl.
      PLAIN.slack.setGroupMembers("S0LEADS", List.of("U0DAN"));
      ticker.addAndGet(Duration.ofMinutes(1).toNanos());

      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB"))
          .as("a request-time check, within the ttl")
          .isTrue();
      assertThat(directory.isMember("S0LEADS", "U0BOB")).as("a decision").isFalse();
      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(2);
      // The fresh read refreshed the cache: request-time checks see it too from now on.
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isFalse();
      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(2);
    }

    @Test
    void everyDecisionAsksSlackEvenTwiceInTheSameInstant() {
      assertThat(directory.isMember("S0LEADS", "U0BOB")).isTrue();
      assertThat(directory.isMember("S0LEADS", "U0BOB")).isTrue();

      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(2);
    }

    @Test
    void theRequestTimeCacheHoldsAMembershipForTheTtlAndNotOneNanosecondLonger() {
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isTrue();
      PLAIN.slack.setGroupMembers("S0LEADS", List.of("U0DAN"));

      ticker.addAndGet(TTL.toNanos() - 1);
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isTrue();
      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(1);

      ticker.addAndGet(1);
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isFalse();
      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(2);
    }

    @Test
    void slackSayingAGroupsMembersChangedDropsOnlyThatGroupFromTheCache() {
      PLAIN.slack.setGroupMembers("S0OTHER", List.of("U0BOB"));
      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isTrue();
      assertThat(directory.requestTime().isMember("S0OTHER", "U0BOB")).isTrue();
      PLAIN.slack.setGroupMembers("S0LEADS", List.of("U0DAN"));
      PLAIN.slack.setGroupMembers("S0OTHER", List.of("U0DAN"));

      directory.membersChanged("S0LEADS");

      assertThat(directory.requestTime().isMember("S0LEADS", "U0BOB")).isFalse();
      assertThat(directory.requestTime().isMember("S0OTHER", "U0BOB"))
          .as("another group, still within its ttl")
          .isTrue();
      assertThat(PLAIN.count("usergroups.users.list")).isEqualTo(3);
    }

    @Test
    void slackSayingAUserChangedDropsThatPersonFromTheCache() {
      PLAIN.slack.addUser(new SlackWebApiFake.User("U0EVE", TEAM, "eve", "Eve", false, false));
      assertThat(directory.requestTime().person("U0EVE").actor().guest()).isFalse();
      // Eve is made a guest.
      PLAIN.slack.addUser(new SlackWebApiFake.User("U0EVE", TEAM, "eve", "Eve", true, false));
      assertThat(directory.requestTime().person("U0EVE").actor().guest())
          .as("within the ttl, before Slack says so")
          .isFalse();

      directory.userChanged("U0EVE");

      assertThat(directory.requestTime().person("U0EVE").actor().guest()).isTrue();
      assertThat(PLAIN.count("users.info")).isEqualTo(2);
    }

    @Test
    void aGroupSlackDoesNotKnowAdmitsNobody() {
      assertThat(directory.isMember("S0GONE", "U0BOB")).isFalse();
      assertThat(directory.requestTime().isMember("S0GONE", "U0BOB")).isFalse();
    }
  }

  @Nested
  class SingleFlight {

    @Test
    void concurrentRequestTimeLookupsOfOneUserShareOneSlackCall() throws Exception {
      SlackDirectory directory = PLAIN.directory(ticker);
      PLAIN.usersInfoArrived = new CountDownLatch(1);
      PLAIN.holdUsersInfo = new CountDownLatch(1);
      int callers = 8;
      List<Thread> threads = new ArrayList<>();
      ExecutorService pool =
          Executors.newFixedThreadPool(
              callers,
              r -> {
                Thread t = new Thread(r, "directory-caller");
                t.setDaemon(true);
                threads.add(t);
                return t;
              });
      try {
        List<Future<SlackDirectory.Person>> answers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
          answers.add(pool.submit(() -> directory.requestTime().person("U0ALICE")));
        }
        assertThat(PLAIN.usersInfoArrived.await(10, TimeUnit.SECONDS)).isTrue();
        // Every other caller is parked on the one load in flight before Slack answers it.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    threads.size() == callers
                        && threads.stream()
                                .filter(t -> t.getState() == Thread.State.WAITING)
                                .count()
                            >= callers - 1);
        PLAIN.holdUsersInfo.countDown();

        for (Future<SlackDirectory.Person> answer : answers) {
          assertThat(answer.get(10, TimeUnit.SECONDS).actor()).isEqualTo(Actor.member("U0ALICE"));
        }
        assertThat(PLAIN.count("users.info")).isEqualTo(1);
      } finally {
        PLAIN.holdUsersInfo.countDown();
        pool.shutdownNow();
      }
    }

    @Test
    void aFailedLookupIsNotKeptAndTheNextCheckAsksAgain() {
      SlackDirectory directory = PLAIN.directory(ticker);
      PLAIN.failUsersInfo.set(1);

      assertThatThrownBy(() -> directory.requestTime().person("U0ALICE"))
          .isInstanceOfSatisfying(
              SlackDeliveryException.class, e -> assertThat(e.error()).isEqualTo("fatal_error"));
      assertThat(directory.requestTime().person("U0ALICE").actor())
          .isEqualTo(Actor.member("U0ALICE"));
      assertThat(PLAIN.count("users.info")).isEqualTo(2);
    }
  }

  /**
   * Who is a guest and who is from another organisation, as {@code users.info} says: Slack Connect
   * users carry another {@code team_id}; in Enterprise Grid, people of other workspaces of the same
   * organisation carry its {@code enterprise_user.enterprise_id}.
   */
  @Nested
  class GuestsAndOtherOrganisations {

    private Actor actor(Workspace workspace, SlackWebApiFake.User user) {
      workspace.slack.addUser(user);
      Actor fresh = workspace.directory(ticker).person(user.id()).actor();
      Actor cached = workspace.directory(ticker).requestTime().person(user.id()).actor();
      assertThat(cached).as("the cached view reads users.info the same way").isEqualTo(fresh);
      return fresh;
    }

    private static SlackWebApiFake.User user(String teamId, String enterpriseId) {
      return new SlackWebApiFake.User("U0X", teamId, "x", "X", false, false, enterpriseId);
    }

    @Test
    void aMemberOfTheAppsOwnWorkspaceIsNeitherGuestNorExternal() {
      assertThat(actor(PLAIN, user(TEAM, null))).isEqualTo(Actor.member("U0X"));
    }

    @Test
    void aUserOfAnotherWorkspaceIsExternal() {
      Actor connect = actor(PLAIN, user("T0OTHER", null));

      assertThat(connect.external()).isTrue();
      assertThat(connect.guest()).isFalse();
      assertThat(connect.needsExplicitMention()).isTrue();
    }

    @Test
    void aUserOfAnotherWorkspaceOfTheSameGridOrganisationIsNotExternal() {
      assertThat(actor(GRID, user("T0SISTER", ENTERPRISE)).external()).isFalse();
    }

    @Test
    void aUserOfAnotherGridOrganisationIsExternal() {
      assertThat(actor(GRID, user("T0OTHER", "E0OTHER")).external()).isTrue();
    }

    @Test
    void anEnterpriseUserSeenByAnAppOutsideGridIsExternalUnlessOfItsWorkspace() {
      assertThat(actor(PLAIN, user("T0OTHER", "E0OTHER")).external()).isTrue();
      assertThat(actor(PLAIN, user(TEAM, "E0OTHER")).external()).isFalse();
    }

    @Test
    void aUserWithoutEnterpriseInAGridAppsViewIsExternalWhenOfAnotherWorkspace() {
      assertThat(actor(GRID, user("T0OTHER", null)).external()).isTrue();
      assertThat(actor(GRID, user(TEAM, null)).external()).isFalse();
    }

    @Test
    void restrictedAndUltraRestrictedAccountsAreGuests() {
      Actor multiChannel =
          actor(PLAIN, new SlackWebApiFake.User("U0M", TEAM, "m", "M", true, false));
      Actor singleChannel =
          actor(PLAIN, new SlackWebApiFake.User("U0S", TEAM, "s", "S", true, true));
      Actor ultraOnly = actor(PLAIN, new SlackWebApiFake.User("U0U", TEAM, "u", "U", false, true));

      assertThat(List.of(multiChannel, singleChannel, ultraOnly))
          .allSatisfy(
              a -> {
                assertThat(a.guest()).isTrue();
                assertThat(a.external()).isFalse();
                assertThat(a.needsExplicitMention()).isTrue();
              });
    }

    @Test
    void aGuestFromAnotherWorkspaceIsBoth() {
      Actor both = actor(PLAIN, new SlackWebApiFake.User("U0B", "T0OTHER", "b", "B", true, false));

      assertThat(both.guest()).isTrue();
      assertThat(both.external()).isTrue();
    }
  }
}
