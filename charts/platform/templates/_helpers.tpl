{{/*
Shared named templates. templates/services/*.yaml range over the services of the registry
(services/<name>.json, written from each service's package.json by `make derive`) and call the
`platform.<kind>` templates below with (list $ "<service>"), so every service is rendered by the
same code from .Values.common, its registry entry, then .Values.services.<name> on top.
*/}}

{{/* The services of the registry, as a JSON list of names (services/<name>.json). */}}
{{- define "platform.serviceNames" -}}
{{- $names := list }}
{{- range $path, $_ := .Files.Glob "services/*.json" }}
{{- $names = append $names (base $path | trimSuffix ".json") }}
{{- end }}
{{- range $name, $_ := .Values.services }}
{{- if not (has $name $names) }}
{{- fail (printf "services.%s: no such service in the registry (services/*/package.json); known: %s" $name (join ", " $names)) }}
{{- end }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{- define "platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* `<release>-platform`, or the release name when it already contains the chart name. */}}
{{- define "platform.fullname" -}}
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

{{- define "platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of one service's objects: (list $ "gateway") -> <fullname>-gateway. */}}
{{- define "platform.componentFullname" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "platform.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: name, instance and component only, so they never change on upgrade. */}}
{{- define "platform.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "platform.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "platform.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ include "platform.chart" $root }}
{{ include "platform.selectorLabels" . }}
app.kubernetes.io/part-of: nest-redis-platform
app.kubernetes.io/version: {{ include "platform.imageTag" $root | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- end }}

{{- define "platform.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "platform.image" -}}
{{- $root := index . 0 -}}
{{- $repository := printf "%s/%s" $root.Values.image.repository (index . 1) }}
{{- with $root.Values.image.registry }}{{ $repository = printf "%s/%s" . $repository }}{{ end }}
{{- printf "%s:%s" $repository (include "platform.imageTag" $root) }}
{{- end }}

{{/*
One service's settings as YAML: .Values.common, then its registry entry (services/<name>.json),
then every key of .Values.services.<name> on top; where both sides are maps, they are merged one
level down. (Sprig's merge functions skip false and 0, so `pdb: {enabled: false}` would be lost;
this does not.)
*/}}
{{- define "platform.settings" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 }}
{{- $settings := deepCopy $root.Values.common }}
{{- $_ := set $settings "enabled" true }}
{{- $registry := $root.Files.Get (printf "services/%s.json" $name) | fromJson }}
{{- range $layer := list $registry (index $root.Values.services $name | default dict) }}
{{- range $key, $value := $layer }}
{{- $base := get $settings $key }}
{{- if and (kindIs "map" $value) (kindIs "map" $base) }}
{{- $merged := deepCopy $base }}
{{- range $innerKey, $innerValue := $value }}
{{- $_ := set $merged $innerKey $innerValue }}
{{- end }}
{{- $_ := set $settings $key $merged }}
{{- else }}
{{- $_ := set $settings $key $value }}
{{- end }}
{{- end }}
{{- end }}
{{- $_ := set $settings "name" $name }}
{{- toYaml $settings }}
{{- end }}

{{/* Pods this long after deletion: preStop, the drain delay, the stop itself, and 5 s to spare. */}}
{{- define "platform.terminationGracePeriod" -}}
{{- $shutdown := .shutdown }}
{{- add (int $shutdown.preStopSeconds) (div (add (int $shutdown.delayMs) (int $shutdown.timeoutMs) 999) 1000) 5 }}
{{- end }}

{{/* The platform Secret: secrets.existingSecret or `<release>-secrets` (the Redis chart reads it too). */}}
{{- define "platform.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" .Release.Name) }}
{{- end }}

{{- define "platform.redisUrlKey" -}}
{{- $root := index . 0 -}}
{{- if $root.Values.redisAcl.enabled }}{{ printf "redis-url-%s" (index . 1) }}{{ else }}redis-url{{ end }}
{{- end }}

{{/* The Redis chart's full name, computed as that chart does it. */}}
{{- define "platform.redisFullname" -}}
{{- $redis := .Values.redis }}
{{- if $redis.fullnameOverride }}
{{- $redis.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default "redis" $redis.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Where Redis is, as a dict: host, port, tls, sentinels, sentinelName, caSecret. */}}
{{- define "platform.redisEndpoint" -}}
{{- if .Values.redis.enabled }}
{{- $sentinel := and (dig "sentinel" "enabled" false .Values.redis) (eq (dig "architecture" "standalone" .Values.redis) "replication") }}
{{- $tls := dig "tls" "enabled" false .Values.redis }}
{{- $replication := eq (dig "architecture" "standalone" .Values.redis) "replication" }}
{{- /* Replication without Sentinel: only pod 0 (the primary) takes writes: the chart's -primary Service. */}}
{{- $host := include "platform.redisFullname" . }}
{{- if and $replication (not $sentinel) }}{{ $host = printf "%s-primary" $host }}{{ end }}
host: {{ $host }}
port: {{ dig "service" "port" 6379 .Values.redis }}
tls: {{ $tls }}
caSecret: {{ ternary (dig "tls" "existingSecret" "" .Values.redis) "" $tls | quote }}
sentinels: {{ ternary (printf "%s:%v" (include "platform.redisFullname" .) (dig "sentinel" "port" 26379 .Values.redis)) "" $sentinel | quote }}
sentinelName: {{ dig "sentinel" "masterSet" "mymaster" .Values.redis | quote }}
{{- else }}
host: {{ required "externalRedis.host is required when redis.enabled is false" .Values.externalRedis.host }}
port: {{ .Values.externalRedis.port }}
tls: {{ .Values.externalRedis.tls }}
caSecret: {{ .Values.externalRedis.caSecret | quote }}
sentinels: {{ .Values.externalRedis.sentinels | quote }}
sentinelName: {{ .Values.externalRedis.sentinelName | quote }}
{{- end }}
{{- end }}

{{/* The services that are enabled, as a YAML list of names. */}}
{{- define "platform.enabledServices" -}}
{{- range $name := include "platform.serviceNames" . | fromJsonArray }}
{{- if (include "platform.settings" (list $ $name) | fromYaml).enabled }}
- {{ $name }}
{{- end }}
{{- end }}
{{- end }}

{{/* The service the Ingress and `kubectl port-forward` reach: the registry's public one, if enabled. */}}
{{- define "platform.publicService" -}}
{{- range $name := include "platform.enabledServices" . | fromYamlArray }}
{{- if (include "platform.settings" (list $ $name) | fromYaml).networkPolicy.public }}{{ $name }}{{ break }}{{ end }}
{{- end }}
{{- end }}

{{/* The Secret keys a service mounts: Redis URL, Sentinel password, its own secretEnv. */}}
{{- define "platform.secretFiles" -}}
{{- $root := index . 0 -}}
{{- $settings := index . 1 }}
{{- $endpoint := include "platform.redisEndpoint" $root | fromYaml }}
- env: REDIS_URL
  key: {{ include "platform.redisUrlKey" (list $root $settings.name) }}
{{- /* Sentinel's own password, not Redis' `default` one: with ACL users a service holds its own user's password only. */}}
{{- if $endpoint.sentinels }}
- env: REDIS_SENTINEL_PASSWORD
  key: {{ include "platform.sentinelPasswordKey" $root }}
{{- end }}
{{- range $settings.secretEnv }}
{{- if or (not .optional) (include "platform.hasOptionalKey" (list $root .key)) }}
- env: {{ .env }}
  key: {{ .key }}
{{- end }}
{{- end }}
{{- end }}

{{- define "platform.sentinelPasswordKey" -}}
{{- dig "sentinel" "auth" "passwordKey" "redis-sentinel-password" .Values.redis }}
{{- end }}

{{/* Whether an optional Secret key will exist: a chart value is set, or the existing Secret lists it. */}}
{{- define "platform.hasOptionalKey" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 }}
{{- if $root.Values.secrets.existingSecret }}
{{- if has $key $root.Values.secrets.existingSecretOptionalKeys }}true{{ end }}
{{- else if and (eq $key "smtp-url") $root.Values.secrets.smtpUrl }}true {{- /* # @example */}}
{{- end }}
{{- end }}

{{/*
The services' Redis ACL users the chart derives, as a YAML list of {name, passwordKey, rules}:
with redisAcl.enabled, one per enabled service of the registry, rules from its `redis` access
(registry), except those listed in redis.auth.acl.users (an entry there replaces the derived
user: the Redis chart renders it from values). Empty with secrets.existingSecret: the chart
holds no passwords then, and every service's user is listed in redis.auth.acl.users.

Why a Secret and not values: values flow from this chart to the Redis chart statically, and the
service list is read from this chart's files (services/*.json) at render time, which the Redis
chart cannot see. So this chart writes the users into a Secret of its own (templates/secret.yaml,
with the same passwords as the services' redis-url-<service>), and the Redis chart mounts the
Secret named by redis.auth.acl.usersSecret: init.sh adds its users at start, and an acl-sync
container applies later changes (a new service) without restarting Redis, since no change of
this chart's files can reach the Redis StatefulSet's checksum annotations.
*/}}
{{- define "platform.aclUsers" -}}
{{- if and .Values.redisAcl.enabled .Values.redis.enabled (not .Values.secrets.existingSecret) }}
{{- $listed := list }}
{{- range (dig "auth" "acl" "users" list .Values.redis) }}{{ $listed = append $listed .name }}{{ end }}
{{- /* Registry `redis` access -> ACL rules. INFO: ioredis' ready check and BullMQ read it. */}}
{{- $rules := dict
  "read-write" "~* &* +@all -@admin -@dangerous +info"
  "read-only" "~* &* -@all +@read +@connection -@admin -@dangerous +info +eval +evalsha +script|load"
  "none" "resetkeys resetchannels -@all +@connection -@admin -@dangerous +info" }}
{{- range $name := include "platform.enabledServices" . | fromYamlArray }}
{{- if not (has $name $listed) }}
{{- $access := (include "platform.settings" (list $ $name) | fromYaml).redis | default "read-write" }}
- name: {{ $name }}
  passwordKey: redis-acl-{{ $name }}
  rules: {{ required (printf "services/%s.json: unknown redis access %q" $name $access) (get $rules $access) | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* platform.aclUsers as the Redis chart's users file: `name passwordKey rules`, one a line. */}}
{{- define "platform.aclUsersFile" -}}
{{- range . }}
{{- printf "%s %s %s\n" .name .passwordKey .rules }}
{{- end }}
{{- end }}

{{/* Fails the render on combinations that cannot work, with a message that says what to change. */}}
{{- define "platform.validate" -}}
{{- if and .Values.secrets.existingSecret .Values.redis.enabled (dig "auth" "enabled" true .Values.redis) (eq .Values.redis.auth.existingSecret "{{ .Release.Name }}-secrets") }}
{{- fail "secrets.existingSecret is set: set redis.auth.existingSecret to the same Secret (it must hold redis-password)" }}
{{- end }}
{{- if and .Values.redis.enabled (ne (dig "config" "maxmemoryPolicy" "noeviction" .Values.redis) "noeviction") }}
{{- fail "redis.config.maxmemoryPolicy must stay noeviction: BullMQ queues, sessions and counters must never be evicted" }}
{{- end }}
{{- if and .Values.redisAcl.enabled .Values.redis.enabled }}
{{- $listed := dict }}
{{- range (dig "auth" "acl" "users" list .Values.redis) }}{{ $_ := set $listed .name .passwordKey }}{{ end }}
{{- range $name := include "platform.enabledServices" . | fromYamlArray }}
{{- $key := printf "redis-acl-%s" $name }}
{{- if and (hasKey $listed $name) (ne (get $listed $name) $key) }}
{{- fail (printf "redis.auth.acl.users: %s is a service's user: its passwordKey must be %s (the key the chart writes its password to)" $name $key) }}
{{- end }}
{{- /* The chart writes no passwords into an existing Secret, so it cannot derive users there. */}}
{{- if and $.Values.secrets.existingSecret (not (hasKey $listed $name)) }}
{{- fail (printf "redisAcl.enabled with secrets.existingSecret: add {name: %s, passwordKey: %s} to redis.auth.acl.users (its password is read from your Secret)" $name $key) }}
{{- end }}
{{- end }}
{{- if and (not .Values.secrets.existingSecret) (not (dig "auth" "acl" "usersSecret" "" .Values.redis)) }}
{{- fail "redisAcl.enabled: keep redis.auth.acl.usersSecret set (the Secret the chart writes the services' ACL users to)" }}
{{- end }}
{{- end }}
{{- range $name := include "platform.enabledServices" . | fromYamlArray }}
{{- $s := include "platform.settings" (list $ $name) | fromYaml }}
{{- if and $s.singleton (or $s.autoscaling.enabled (ne (int $s.replicaCount) 1)) }}
{{- fail (printf "services.%s runs exactly one pod (singleton): set services.%s.replicaCount=1 and services.%s.autoscaling.enabled=false" $name $name $name) }}
{{- end }}
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.redisAcl.enabled (not .Values.secrets.existingSecret) }}
{{- fail "redisAcl.enabled with an external Redis needs secrets.existingSecret holding redis-url-<service>" }}
{{- end }}
{{- end }}
