{{/* The chart name, as `helm create` does. */}}
{{- define "redis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* `<release>-redis`, or the release name when it already contains the chart name. */}}
{{- define "redis.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "redis.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: name, instance and component only, so they never change on upgrade. */}}
{{- define "redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "redis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "redis.labels" -}}
helm.sh/chart: {{ include "redis.chart" . }}
{{ include "redis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "redis.headless" -}}
{{- printf "%s-headless" (include "redis.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The write Service of replication without Sentinel: the primary (pod 0) alone. */}}
{{- define "redis.primaryService" -}}
{{- printf "%s-primary" (include "redis.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret with the passwords: `auth.existingSecret` (templates allowed) or the chart's own. */}}
{{- define "redis.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- tpl .Values.auth.existingSecret . }}
{{- else }}
{{- include "redis.fullname" . }}
{{- end }}
{{- end }}

{{- define "redis.sentinelEnabled" -}}
{{- if and .Values.sentinel.enabled (eq .Values.architecture "replication") }}true{{ end }}
{{- end }}

{{- define "redis.replicas" -}}
{{- if eq .Values.architecture "replication" }}{{ .Values.replicas }}{{ else }}1{{ end }}
{{- end }}

{{/* Fails the render on combinations that cannot work, with a message that says what to change. */}}
{{- define "redis.validate" -}}
{{- if and .Values.sentinel.enabled (ne .Values.architecture "replication") }}
{{- fail "sentinel.enabled needs architecture: replication" }}
{{- end }}
{{- if and .Values.sentinel.enabled (lt (int .Values.replicas) 3) }}
{{- fail "sentinel needs replicas >= 3 (a quorum must survive losing one pod)" }}
{{- end }}
{{- if and .Values.auth.enabled .Values.auth.acl.users (include "redis.sentinelEnabled" .) }}
{{- range .Values.auth.acl.users }}
{{- if eq .passwordKey $.Values.sentinel.auth.passwordKey }}{{ fail (printf "auth.acl.users: %s's passwordKey is Sentinel's (sentinel.auth.passwordKey)" .name) }}{{ end }}
{{- end }}
{{- end }}
{{- if and (include "redis.sentinelEnabled" .) (ge (int .Values.sentinel.preStopTimeoutSeconds) (int .Values.terminationGracePeriodSeconds)) }}
{{- fail "sentinel.preStopTimeoutSeconds must be below terminationGracePeriodSeconds (the kubelet kills the pod at the grace period, hook or not)" }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}
{{- fail "tls.enabled needs tls.existingSecret (a Secret with tls.crt, tls.key and ca.crt)" }}
{{- end }}
{{- end }}

{{/* `repository:tag@digest` from an image block (`image` or `metrics.image`); no `@` without a digest. */}}
{{- define "redis.imageRef" -}}
{{- printf "%s:%s" .repository .tag }}{{ with .digest }}@{{ . }}{{ end }}
{{- end }}

{{- define "redis.image" -}}
{{- include "redis.imageRef" .Values.image }}
{{- end }}

{{/* Env the init, probe and preStop scripts read. */}}
{{- define "redis.scriptEnv" -}}
- name: AUTH
  value: {{ ternary "true" "false" .Values.auth.enabled | quote }}
- name: PASSWORD_KEY
  value: {{ .Values.auth.existingSecretPasswordKey | quote }}
- name: SENTINEL_PASSWORD_KEY
  value: {{ .Values.sentinel.auth.passwordKey | quote }}
- name: TLS
  value: {{ ternary "true" "false" .Values.tls.enabled | quote }}
- name: TLS_AUTH_CLIENTS
  value: {{ ternary "yes" "no" .Values.tls.authClients | quote }}
- name: SENTINEL
  value: {{ ternary "true" "false" (eq (include "redis.sentinelEnabled" .) "true") | quote }}
- name: REDIS_PORT
  value: {{ .Values.service.port | quote }}
- name: SENTINEL_PORT
  value: {{ .Values.sentinel.port | quote }}
- name: MASTER_SET
  value: {{ .Values.sentinel.masterSet | quote }}
{{- end }}

{{/* The Secret of more ACL users (`auth.acl.usersSecret`, templates allowed); empty when none. */}}
{{- define "redis.aclUsersSecret" -}}
{{- if and .Values.auth.enabled .Values.auth.acl.usersSecret }}{{ tpl .Values.auth.acl.usersSecret . }}{{ end }}
{{- end }}

{{/* Whether the exporter logs in as its own read-only ACL user (ACL users on). */}}
{{- define "redis.exporterAcl" -}}
{{- if and .Values.metrics.enabled .Values.auth.enabled (or .Values.auth.acl.users (include "redis.aclUsersSecret" .)) }}true{{ end }}
{{- end }}

{{/*
The Secret keys the Redis pods read, as a YAML list of {key, password} (password: the chart
value, empty when generated or in an existing Secret): the `default` user's, each ACL user's,
Sentinel's and the exporter's. Nothing else of a shared Secret is mounted.
*/}}
{{- define "redis.secretKeys" -}}
{{- if .Values.auth.enabled }}
- key: {{ .Values.auth.existingSecretPasswordKey }}
  password: {{ .Values.auth.password | quote }}
{{- range .Values.auth.acl.users }}
- key: {{ .passwordKey }}
  password: {{ .password | default "" | quote }}
{{- end }}
{{- if include "redis.sentinelEnabled" . }}
- key: {{ .Values.sentinel.auth.passwordKey }}
  password: {{ .Values.sentinel.auth.password | quote }}
{{- end }}
{{- if include "redis.exporterAcl" . }}
- key: {{ .Values.metrics.acl.passwordKey }}
  password: {{ .Values.metrics.acl.password | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Rolls the pods when a password changes: the chart's own Secret as rendered, or, with an
existing Secret, the password values handed to this chart (a parent chart passes the ones it
writes into that Secret). A Secret edited outside Helm still needs a rollout restart.
*/}}
{{- define "redis.secretChecksum" -}}
{{- $own := "" }}
{{- if not .Values.auth.existingSecret }}{{ $own = include (print .Template.BasePath "/secret.yaml") . }}{{ end }}
{{- printf "%s\n%s\n%s" (include "redis.secretName" .) (include "redis.secretKeys" .) $own | sha256sum }}
{{- end }}

{{/* Mounts every Redis and Sentinel container shares. */}}
{{- define "redis.commonMounts" -}}
- name: config
  mountPath: /opt/redis/config
  readOnly: true
- name: scripts
  mountPath: /opt/redis/scripts
  readOnly: true
- name: run-config
  mountPath: /etc/redis-run
- name: tmp
  mountPath: /tmp
{{- if .Values.auth.enabled }}
- name: secrets
  mountPath: /opt/redis/secrets
  readOnly: true
{{- end }}
{{- if .Values.tls.enabled }}
- name: tls
  mountPath: /opt/redis/tls
  readOnly: true
{{- end }}
{{- end }}
