# Build: Maven resolves dependencies in a layer of their own, so a code change reuses it.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests -Dspotless.check.skip=true

# Run: a slim JRE with the Quarkus fast-jar layout, as a non-root numeric user.
FROM eclipse-temurin:17-jre
WORKDIR /deployments
COPY --from=build --chown=185:0 /src/target/quarkus-app/lib/ ./lib/
COPY --from=build --chown=185:0 /src/target/quarkus-app/*.jar ./
COPY --from=build --chown=185:0 /src/target/quarkus-app/app/ ./app/
COPY --from=build --chown=185:0 /src/target/quarkus-app/quarkus/ ./quarkus/
USER 185
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -Dfile.encoding=UTF-8 -Djava.util.logging.manager=org.jboss.logmanager.LogManager"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
