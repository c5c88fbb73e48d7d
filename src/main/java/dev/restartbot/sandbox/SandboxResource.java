package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The sandbox page and the little API it reads: the channel as the current user sees it, their
 * modal and Home tab, the workspace (people, channel, the signing secret the page signs its
 * requests with) and the simulated cluster. The page's requests to the bot itself go to {@code
 * /slack/events}, signed, as Slack sends them. The files live outside {@code META-INF/resources},
 * so they are served only through this class, which exists only in a build with {@code
 * restart.sandbox.enabled=true}.
 */
@Path("/sandbox")
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxResource {

  private static final Map<String, String> FILES =
      Map.of(
          "sandbox.css", "text/css; charset=utf-8",
          "sandbox.js", "text/javascript; charset=utf-8");
  private static final int TEXT_LIMIT = 40_000;

  private final SandboxChannel channel;
  private final SandboxSlack slack;
  private final SandboxCluster cluster;
  private final SandboxViews views;

  public SandboxResource(
      SandboxChannel channel, SandboxSlack slack, SandboxCluster cluster, SandboxViews views) {
    this.channel = channel;
    this.slack = slack;
    this.cluster = cluster;
    this.views = views;
  }

  /** A person of the workspace, with the response URL their slash commands carry. */
  public record PersonView(
      String id, String handle, String realName, String role, String about, String responseUrl) {}

  public record Session(
      String teamId,
      String teamDomain,
      String appId,
      String channelId,
      String channelName,
      String botUserId,
      String botName,
      String signingSecret,
      List<PersonView> people) {}

  public record MessageView(
      String ts,
      String threadTs,
      String author,
      String text,
      JsonNode blocks,
      boolean ephemeral,
      String command,
      int edits) {}

  public record ChannelView(long version, List<MessageView> messages) {}

  /** The answer a slash command got in its HTTP response, shown only to who typed it. */
  public record Ack(String user, String command, String text, JsonNode blocks) {}

  public record Failing(boolean failing) {}

  /** Who does something that gives the bot a trigger id: a command, a shortcut, a click. */
  public record Actor(String user) {}

  /**
   * What the bot answered to {@code user}'s submission of a modal: its HTTP body as JSON, {@code
   * {}} for an empty one.
   */
  public record SubmissionAnswer(String user, JsonNode answer) {}

  @GET
  @Produces(MediaType.TEXT_HTML)
  public Response page() {
    return file("index.html", "text/html; charset=utf-8");
  }

  @GET
  @Path("assets/{name}")
  public Response asset(@PathParam("name") String name) {
    String type = FILES.get(name);
    if (type == null) {
      throw new NotFoundException();
    }
    return file(name, type);
  }

  @GET
  @Path("api/session")
  @Produces(MediaType.APPLICATION_JSON)
  public Session session() {
    return new Session(
        SandboxWorkspace.TEAM_ID,
        SandboxWorkspace.TEAM_DOMAIN,
        SandboxWorkspace.APP_ID,
        SandboxWorkspace.CHANNEL_ID,
        SandboxWorkspace.CHANNEL_NAME,
        SandboxWorkspace.BOT_USER_ID,
        SandboxWorkspace.BOT_NAME,
        slack.signingSecret(),
        SandboxWorkspace.PEOPLE.stream()
            .map(
                p ->
                    new PersonView(
                        p.id(),
                        p.handle(),
                        p.realName(),
                        p.role(),
                        p.about(),
                        slack.responseUrl(p.id())))
            .toList());
  }

  /** The channel as {@code user} sees it: public messages and their own ephemeral ones. */
  @GET
  @Path("api/messages")
  @Produces(MediaType.APPLICATION_JSON)
  public ChannelView messages(@QueryParam("user") String user) {
    String who = known(user);
    long version = channel.version();
    return new ChannelView(
        version,
        channel.visibleTo(who).stream()
            .map(
                message ->
                    new MessageView(
                        message.ts(),
                        message.threadTs(),
                        message.author(),
                        message.text(),
                        message.blocks(),
                        message.visibleTo() != null,
                        message.command(),
                        message.edits()))
            .toList());
  }

  @POST
  @Path("api/acks")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, String> ack(Ack ack) {
    if (ack == null) {
      throw new BadRequestException("a JSON body with user, command and text is required");
    }
    String who = known(ack.user());
    String text = ack.text() == null ? "" : ack.text();
    String command = ack.command() == null ? "" : ack.command();
    if (text.length() > TEXT_LIMIT || command.length() > TEXT_LIMIT) {
      throw new BadRequestException("text is too long");
    }
    JsonNode blocks = ack.blocks() != null && ack.blocks().isArray() ? ack.blocks() : null;
    String ts = channel.post(null, SandboxWorkspace.BOT_USER_ID, text, blocks, who, command);
    return Map.of("ts", ts);
  }

  /** A trigger id, as Slack hands one out with each command, shortcut and click. */
  @POST
  @Path("api/triggers")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, String> trigger(Actor actor) {
    if (actor == null) {
      throw new BadRequestException("a JSON body with the user is required");
    }
    return Map.of("triggerId", views.trigger(known(actor.user())));
  }

  /** {@code user}'s open modal and Home tab, as the bot last opened, updated or published them. */
  @GET
  @Path("api/views")
  @Produces(MediaType.APPLICATION_JSON)
  public SandboxViews.Surfaces views(@QueryParam("user") String user) {
    return views.of(known(user));
  }

  /**
   * Applies the bot's answer to a submission of the modal {@code id} as Slack does: errors on its
   * fields, a new view in its place, or closed. An answer Slack would refuse changes nothing.
   */
  @POST
  @Path("api/views/{id}/answer")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public SandboxViews.Answered answer(@PathParam("id") String id, SubmissionAnswer body) {
    if (body == null || body.answer() == null || !body.answer().isObject()) {
      throw new BadRequestException(
          "a JSON body with the user and the bot's answer (an object, {} if empty) is required");
    }
    return views
        .answer(known(body.user()), id, body.answer())
        .orElseThrow(() -> new NotFoundException("no open modal " + id + " of this user"));
  }

  /** Closes the modal {@code id} of {@code user}, as its Cancel button does. */
  @DELETE
  @Path("api/views/{id}")
  public Response close(@PathParam("id") String id, @QueryParam("user") String user) {
    if (!views.close(known(user), id)) {
      throw new NotFoundException("no open modal " + id + " of this user");
    }
    return Response.noContent().build();
  }

  /**
   * Holds the bot's answer to an options load ({@code block_suggestion}) to Slack's limits: Slack
   * shows no options for an answer it refuses. Changes nothing.
   */
  @POST
  @Path("api/options")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public SandboxViews.Answered options(JsonNode answer) {
    if (answer == null || !answer.isObject()) {
      throw new BadRequestException("the bot's answer to an options load, a JSON object");
    }
    return new SandboxViews.Answered(null, BlockLimits.optionsBreaches(answer));
  }

  @GET
  @Path("api/cluster")
  @Produces(MediaType.APPLICATION_JSON)
  public List<SandboxCluster.WorkloadView> cluster() {
    return cluster.workloads();
  }

  /**
   * Makes a Deployment's next rollouts fail ({@code true}) or succeed again, in the cluster the
   * {@code cluster} query parameter names (the default cluster without it).
   */
  @PUT
  @Path("api/cluster/{namespace}/deployments/{name}/failing")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public SandboxCluster.WorkloadView failing(
      @PathParam("namespace") String namespace,
      @PathParam("name") String name,
      @QueryParam("cluster") String in,
      Failing body) {
    if (body == null) {
      throw new BadRequestException("a JSON body {\"failing\": true|false} is required");
    }
    String clusterName = in == null || in.isEmpty() ? SandboxCluster.CLUSTERS.get(0) : in;
    return cluster
        .setFailing(clusterName, namespace, name, body.failing())
        .orElseThrow(() -> new NotFoundException("no deployment " + namespace + "/" + name));
  }

  private static String known(String user) {
    return SandboxWorkspace.person(user == null ? "" : user)
        .map(SandboxWorkspace.Person::id)
        .orElseThrow(() -> new BadRequestException("unknown user: pick one of the sandbox's"));
  }

  private static Response file(String name, String type) {
    try (InputStream in = SandboxResource.class.getResourceAsStream("/sandbox/" + name)) {
      if (in == null) {
        throw new NotFoundException();
      }
      return Response.ok(in.readAllBytes(), type).header("Cache-Control", "no-cache").build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
