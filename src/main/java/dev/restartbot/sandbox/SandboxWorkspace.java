package dev.restartbot.sandbox;

import java.util.List;
import java.util.Optional;

/**
 * The pretend Slack workspace of the sandbox: one team, one channel, the bot and five people. The
 * dev profile's policy ({@code %dev.restart.rules} in application.properties) names these ids.
 */
public final class SandboxWorkspace {

  public static final String TEAM_ID = "T0SANDBOX";
  public static final String TEAM_DOMAIN = "sandbox";
  public static final String APP_ID = "A0SANDBOX";
  public static final String CHANNEL_ID = "C0SANDBOX";
  public static final String CHANNEL_NAME = "ops-sandbox";
  public static final String BOT_USER_ID = "U0SBBOT";
  public static final String BOT_ID = "B0SBBOT";
  public static final String BOT_NAME = "restart-bot";

  /** A user group whose only member is the approver; the policy names it as approvers. */
  public static final String LEADS_GROUP = "S0SBLEADS";

  /** A person who can act in the sandbox page. */
  public record Person(String id, String handle, String realName, String role, String about) {}

  public static final Person REQUESTER =
      new Person(
          "U0SBALICE", "alice", "Alice Moreau", "requester", "may ask for restarts in payments");
  public static final Person APPROVER =
      new Person("U0SBBOB", "bob", "Bob Okafor", "approver", "payments lead, in @payments-leads");
  public static final Person OUTSIDER =
      new Person("U0SBCAROL", "carol", "Carol Díaz", "outsider", "not named by any rule");

  public static final Person VAULT_APPROVER =
      new Person("U0SBDAN", "dan", "Dan Novak", "approver", "one of three vault approvers");
  public static final Person SECURITY =
      new Person(
          "U0SBERIN", "erin", "Erin Walsh", "approver", "security, one of three vault approvers");

  public static final List<Person> PEOPLE =
      List.of(REQUESTER, APPROVER, OUTSIDER, VAULT_APPROVER, SECURITY);

  private SandboxWorkspace() {}

  public static Optional<Person> person(String id) {
    return PEOPLE.stream().filter(p -> p.id().equals(id)).findFirst();
  }
}
