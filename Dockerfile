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
# With the AppCDS step in the build, the app can write its archive in the runtime stage below.
RUN mvn -B -q -o package -Dmaven.test.skip=true -Dquarkus.package.jar.appcds.enabled=true

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
# AppCDS: the classes the start loads, archived by this very JRE (an archive only serves the JVM
# build that wrote it, so the build stage's is not copied). With quarkus.appcds.generate, which the
# build above enabled, the app stops after its static init and needs no setting; the JVM writes
# the archive as it exits.
RUN ["java", "-XX:ArchiveClassesAtExit=app-cds.jsa", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Dquarkus.appcds.generate=true", "-jar", "quarkus-run.jar"]
USER 185
EXPOSE 8080
# The JVM for a pod with a 256 MiB limit (k8s/deployment.yaml), chosen on the figures of
# BENCHMARKS.md ("Memory shapes"): the heap a share of the limit, the serial collector (one
# thread, no remembered sets), small thread stacks and code cache, two malloc arenas, the client
# compiler only (C2's compiler threads and code were 40 to 60 MiB of RSS, and a bot that answers a
# few commands a minute needs no peak throughput), and the AppCDS archive above for the start. UTF-8 whatever the base image's locale, and a clean exit on
# OutOfMemoryError so Kubernetes restarts the pod. Exec form: java is PID 1 and receives SIGTERM
# directly. Add JVM flags with the JDK_JAVA_OPTIONS environment variable.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC", "-Xss512k", "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=128m", "-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=app-cds.jsa", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", "/deployments/quarkus-run.jar"]
