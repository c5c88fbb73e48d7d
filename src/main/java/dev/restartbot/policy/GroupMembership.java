package dev.restartbot.policy;

/** Answers whether a user belongs to a Slack user group ({@code S…}); the Slack edge caches it. */
@FunctionalInterface
public interface GroupMembership {

  boolean isMember(String groupId, String userId);

  GroupMembership NONE = (groupId, userId) -> false;
}
