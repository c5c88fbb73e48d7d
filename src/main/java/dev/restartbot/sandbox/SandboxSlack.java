package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The sandbox's Slack: a {@link SlackWebApiFake} that knows only the {@link SandboxWorkspace} and
 * keeps what the bot says in the {@link SandboxChannel} and the modals and Home tabs it opens in
 * {@link SandboxViews}, where the page shows them. The bot reaches it through the real Slack SDK,
 * so the requests are the ones Slack would get.
 */
@Singleton
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxSlack {

  private static final Logger LOG = Logger.getLogger(SandboxSlack.class);
  private static final SlackWebApiFake.Team TEAM =
      new SlackWebApiFake.Team(
          SandboxWorkspace.TEAM_ID,
          "Sandbox",
          "https://" + SandboxWorkspace.TEAM_DOMAIN + ".slack.invalid/",
          SandboxWorkspace.BOT_USER_ID,
          SandboxWorkspace.BOT_ID,
          SandboxWorkspace.BOT_NAME,
          SandboxWorkspace.APP_ID);

  private final String signingSecret;
  private final String botToken;
  private final SlackWebApiFake slack;

  public SandboxSlack(SandboxChannel channel, SandboxViews views, ObjectMapper json) {
    // 16 bytes: 32 lower-case hex characters, the shape of the signing secrets Slack issues.
    this.signingSecret = SlackWebApiFake.randomHex(16);
    this.botToken = "xoxb-sandbox-" + SlackWebApiFake.randomHex(12);
    SlackWebApiFake.Builder workspace =
        SlackWebApiFake.builder(TEAM, json)
            .token(botToken)
            .channel(SandboxWorkspace.CHANNEL_ID, SandboxWorkspace.CHANNEL_NAME)
            .group(SandboxWorkspace.LEADS_GROUP, List.of(SandboxWorkspace.APPROVER.id()))
            .messages(new ChannelMessages(channel))
            .views(views)
            // The page scrolls to the message: a link it can follow without leaving the sandbox.
            .permalinks((in, ts) -> "/sandbox#m" + ts)
            .threadName("sandbox-slack");
    for (SandboxWorkspace.Person person : SandboxWorkspace.PEOPLE) {
      workspace.user(
          new SlackWebApiFake.User(
              person.id(),
              SandboxWorkspace.TEAM_ID,
              person.handle(),
              person.realName(),
              false,
              false));
    }
    this.slack = workspace.start();
    LOG.infof("sandbox: fake Slack Web API on %s", apiUrl());
  }

  @PreDestroy
  void stop() {
    slack.close();
  }

  /** The Web API prefix the bot's Slack client calls; ends in {@code /api/} as the SDK needs. */
  public String apiUrl() {
    return slack.apiUrl();
  }

  /** Where answers to a slash command typed by {@code userId} go. */
  public String responseUrl(String userId) {
    return slack.responseUrlFor(SandboxWorkspace.CHANNEL_ID, userId);
  }

  public String botToken() {
    return botToken;
  }

  /** Made up at each start; the sandbox page signs its requests with it. */
  public String signingSecret() {
    return signingSecret;
  }

  /** The sandbox has one channel: every message the fake keeps is the page's. */
  private record ChannelMessages(SandboxChannel channel) implements SlackWebApiFake.Messages {

    @Override
    public String post(SlackWebApiFake.Post post) {
      return channel.post(
          post.threadTs(), post.user(), post.text(), post.blocks(), post.visibleTo(), null);
    }

    @Override
    public boolean update(String in, String ts, String text, JsonNode blocks) {
      return channel.update(ts, text, blocks).isPresent();
    }

    @Override
    public boolean has(String in, String ts) {
      return channel.has(ts);
    }
  }
}
