# restart-bot container image: `docker build -t restart-bot .`
#
# Stage 1 builds the Quarkus fast-jar with Maven. The pom is copied alone first and packaged
# with no sources: that fetches every plugin, dependency and Quarkus build-time artifact into a
# layer of its own (dependency:go-offline misses some plugin internals). A code change rebuilds
# from `COPY src` on, offline, reusing that layer. Base images are pinned to a version (Maven 3.9.9,
# the Maven of ./mvnw; Temurin 17.0.15+6), so a rebuild gets the same ones until they are bumped.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q package -Dmaven.test.skip=true
COPY src ./src
RUN mvn -B -q -o package -Dmaven.test.skip=true

# Stage 2 runs it on a JRE (no JDK, no Maven, no sources), as a non-root numeric user. Nothing
# secret is baked in: Slack tokens and the policy come from the environment and a mounted file.
FROM eclipse-temurin:17.0.15_6-jre AS runtime
WORKDIR /deployments
# The fast-jar layout, least often changed first: libraries, then the generated Quarkus files and
# the application classes.
COPY --from=build --chown=185:0 /src/target/quarkus-app/lib/ ./lib/
COPY --from=build --chown=185:0 /src/target/quarkus-app/quarkus/ ./quarkus/
COPY --from=build --chown=185:0 /src/target/quarkus-app/app/ ./app/
COPY --from=build --chown=185:0 /src/target/quarkus-app/quarkus-run.jar ./
USER 185
EXPOSE 8080
# Container-aware heap (a share of the memory limit), UTF-8 whatever the base image's locale, and
# a clean exit on OutOfMemoryError so Kubernetes restarts the pod. Exec form: java is PID 1 and
# receives SIGTERM directly. Add JVM flags with the JDK_JAVA_OPTIONS environment variable.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", "/deployments/quarkus-run.jar"]
