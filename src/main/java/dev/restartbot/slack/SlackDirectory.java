package dev.restartbot.slack;

import com.slack.api.methods.response.auth.AuthTestResponse;
import com.slack.api.model.User;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.GroupMembership;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Who a Slack user is (guest? another organisation?) and which user groups they belong to.
 *
 * <p>Two ways to ask, for two kinds of check. The directory itself reads Slack <em>now</em>: a
 * decision (Approve, Deny, and any click that acts on a request) must not rest on a membership that
 * was removed minutes ago, so the plain {@link #person} and {@link #isMember} are what clicks get
 * by default. {@link #requestTime()} answers from a cache kept for {@code slack.directory-ttl}, so
 * that a burst of commands does not become a burst of API calls; concurrent lookups of one user or
 * group there share one Slack call. A fresh read also refreshes that cache.
 *
 * <p>Slack's {@code subteam_members_changed} and {@code user_change} events drop what the cache
 * keeps for that group or user ({@link #membersChanged}, {@link #userChanged}), so a person removed
 * from a requesters' group is refused at their next command, not after the ttl. Slack sends each
 * event to one replica only; the others keep their copy for at most the ttl, and a request-time
 * check only opens a request that a decision, read fresh, still has to pass.
 */
@Singleton
public class SlackDirectory implements GroupMembership {

  /** A user as the bot needs them: the policy's view and a name for the audit trail. */
  public record Person(Actor actor, String name) {}

  private final SlackClient slack;
  private final SingleFlightCache<String, Person> people;
  private final SingleFlightCache<String, Set<String>> groups;
  private final RequestTime requestTime = new RequestTime();
  private volatile AuthTestResponse self;

  @Inject
  SlackDirectory(SlackClient slack, SlackSettings settings) {
    this(slack, settings.directoryTtl(), System::nanoTime);
  }

  /**
   * @param ticker a monotonic clock in nanoseconds (a wall clock that jumps must not keep a removed
   *     member cached)
   */
  SlackDirectory(SlackClient slack, Duration ttl, LongSupplier ticker) {
    this.slack = slack;
    this.people = new SingleFlightCache<>(ttl, ticker);
    this.groups = new SingleFlightCache<>(ttl, ticker);
  }

  /**
   * Looks a user up in Slack now, for a decision; a failure to reach Slack surfaces as {@link
   * SlackDeliveryException}.
   */
  public Person person(String userId) {
    return people.refresh(userId, lookUp(userId));
  }

  /** Whether {@code userId} is in the group now, read from Slack: for decisions. */
  @Override
  public boolean isMember(String groupId, String userId) {
    return groups.refresh(groupId, members(groupId)).contains(userId);
  }

  /** Slack says the members of {@code groupId} changed: request-time checks read them again. */
  public void membersChanged(String groupId) {
    groups.forget(groupId);
  }

  /**
   * Slack says {@code userId} changed (made a guest, deactivated, renamed): request-time checks
   * read them again.
   */
  public void userChanged(String userId) {
    people.forget(userId);
  }

  /** The cached view, for the checks a new request gets; never for a decision on one. */
  public RequestTime requestTime() {
    return requestTime;
  }

  /** The directory as request-time checks see it: cached, one Slack call per key at a time. */
  public final class RequestTime implements GroupMembership {

    private RequestTime() {}

    public Person person(String userId) {
      return people.get(userId, () -> lookUp(userId));
    }

    @Override
    public boolean isMember(String groupId, String userId) {
      return groups.get(groupId, () -> members(groupId)).contains(userId);
    }
  }

  private Person lookUp(String userId) {
    User user = slack.call("users.info", m -> m.usersInfo(r -> r.user(userId))).getUser();
    boolean guest = user.isRestricted() || user.isUltraRestricted();
    AuthTestResponse app = self();
    boolean sameTeam = app.getTeamId() != null && app.getTeamId().equals(user.getTeamId());
    boolean sameOrg =
        app.getEnterpriseId() != null
            && user.getEnterpriseUser() != null
            && app.getEnterpriseId().equals(user.getEnterpriseUser().getEnterpriseId());
    return new Person(new Actor(userId, guest, !(sameTeam || sameOrg)), displayName(user));
  }

  private Set<String> members(String groupId) {
    try {
      return Set.copyOf(
          slack
              .call("usergroups.users.list", m -> m.usergroupsUsersList(r -> r.usergroup(groupId)))
              .getUsers());
    } catch (SlackDeliveryException e) {
      if ("no_such_subteam".equals(e.error())) {
        // A group named in the policy that Slack does not know admits nobody.
        return Set.of();
      }
      throw e;
    }
  }

  private AuthTestResponse self() {
    AuthTestResponse known = self;
    if (known == null) {
      known = slack.call("auth.test", m -> m.authTest(r -> r));
      self = known;
    }
    return known;
  }

  private static String displayName(User user) {
    if (user.getProfile() != null) {
      String display = user.getProfile().getDisplayName();
      if (display != null && !display.isBlank()) {
        return display;
      }
    }
    if (user.getRealName() != null && !user.getRealName().isBlank()) {
      return user.getRealName();
    }
    return user.getName() == null ? user.getId() : user.getName();
  }
}
