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
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}
{{- fail "tls.enabled needs tls.existingSecret (a Secret with tls.crt, tls.key and ca.crt)" }}
{{- end }}
{{- end }}

{{- define "redis.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end }}

{{/* Env the init and probe scripts read. */}}
{{- define "redis.scriptEnv" -}}
- name: AUTH
  value: {{ ternary "true" "false" .Values.auth.enabled | quote }}
- name: PASSWORD_KEY
  value: {{ .Values.auth.existingSecretPasswordKey | quote }}
- name: TLS
  value: {{ ternary "true" "false" .Values.tls.enabled | quote }}
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
