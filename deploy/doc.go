// Package deploy holds Slate's deployment files and their tests:
// deploy/Dockerfile (the container image), deploy/compose (one machine with
// Docker Compose), deploy/systemd (one machine with systemd units) and
// deploy/sla.example.yaml. The package has no code of its own; its tests
// validate the files with the tools operators use (docker-compose config,
// systemd-analyze verify) and by running the slate binary, built the way the
// Dockerfile builds it, with the files' commands, environment and paths.
package deploy
