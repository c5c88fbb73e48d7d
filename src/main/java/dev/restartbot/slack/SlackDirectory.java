package dev.restartbot.slack;

import com.slack.api.methods.response.auth.AuthTestResponse;
import com.slack.api.model.User;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.GroupMembership;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Who a Slack user is (guest? another organisation?) and which user groups they belong to, cached
 * for {@code slack.directory-ttl} so that a burst of commands does not become a burst of API calls.
 */
@Singleton
public class SlackDirectory implements GroupMembership {

  /** A user as the bot needs them: the policy's view and a name for the audit trail. */
  public record Person(Actor actor, String name) {}

  private record Cached<T>(T value, Instant until) {}

  private final SlackClient slack;
  private final Clock clock;
  private final java.time.Duration ttl;
  private final Map<String, Cached<Person>> people = new ConcurrentHashMap<>();
  private final Map<String, Cached<Set<String>>> groups = new ConcurrentHashMap<>();
  private volatile AuthTestResponse self;

  SlackDirectory(SlackClient slack, Clock clock, SlackSettings settings) {
    this.slack = slack;
    this.clock = clock;
    this.ttl = settings.directoryTtl();
  }

  /** Looks a user up; a failure to reach Slack surfaces as {@link SlackDeliveryException}. */
  public Person person(String userId) {
    return cached(people, userId, () -> lookUp(userId));
  }

  @Override
  public boolean isMember(String groupId, String userId) {
    return cached(groups, groupId, () -> members(groupId)).contains(userId);
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

  private <T> T cached(Map<String, Cached<T>> cache, String key, Supplier<T> load) {
    Instant now = clock.instant();
    Cached<T> hit = cache.get(key);
    if (hit != null && now.isBefore(hit.until())) {
      return hit.value();
    }
    T value = load.get();
    cache.put(key, new Cached<>(value, now.plus(ttl)));
    return value;
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
