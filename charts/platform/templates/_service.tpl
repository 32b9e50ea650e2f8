{{/*
The objects of one service. Each takes (list $ "<service>") and renders nothing when the
service is disabled.
*/}}

{{/* ConfigMap: every plain env var of the service. Secrets never go here (see secretFiles). */}}
{{- define "platform.configmap" -}}
{{- $root := index . 0 }}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if $s.enabled }}
{{- $endpoint := include "platform.redisEndpoint" $root | fromYaml }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
data:
  HOST: "0.0.0.0"
  PORT: {{ $s.port | quote }}
  LOG_LEVEL: {{ $s.logLevel | quote }}
  {{- with $s.rpcTransport }}
  RPC_TRANSPORT: {{ . | quote }}
  {{- end }}
  SHUTDOWN_DELAY_MS: {{ $s.shutdown.delayMs | quote }}
  SHUTDOWN_TIMEOUT_MS: {{ $s.shutdown.timeoutMs | quote }}
  {{- range $s.extraPorts }}
  {{ .env }}: {{ .port | quote }}
  {{- end }}
  {{- /* Where the services it calls listen besides Redis (the gateway -> legacy's TCP port). */}}
  {{- range $callee := $s.calls | default list }}
  {{- range (include "platform.settings" (list $root $callee) | fromYaml).extraPorts }}
  {{- $variable := printf "%s_%s" ($callee | upper | replace "-" "_") .env }}
  {{ $variable }}: {{ .port | quote }}
  {{ trimSuffix "_PORT" $variable }}_HOST: {{ include "platform.componentFullname" (list $root $callee) | quote }}
  {{- end }}
  {{- end }}
  {{- if $endpoint.sentinels }}
  REDIS_SENTINELS: {{ $endpoint.sentinels | quote }}
  REDIS_SENTINEL_NAME: {{ $endpoint.sentinelName | quote }}
  {{- end }}
  {{- if $endpoint.caSecret }}
  REDIS_TLS_CA_FILE: /var/run/secrets/redis-tls/ca.crt
  {{- end }}
  {{- range (include "platform.secretFiles" (list $root $s) | fromYamlArray) }}
  {{ .env }}_FILE: {{ printf "/var/run/secrets/platform/%s" .key | quote }}
  {{- end }}
  OTEL_SERVICE_NAME: {{ $s.name | quote }}
  {{- if $root.Values.otel.endpoint }}
  OTEL_EXPORTER_OTLP_ENDPOINT: {{ $root.Values.otel.endpoint | quote }}
  {{- else }}
  OTEL_TRACES_EXPORTER: "none"
  {{- end }}
  {{- range $key, $value := $s.env }}
  {{ $key }}: {{ tpl (toString $value) $root | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "platform.deployment" -}}
{{- $root := index . 0 }}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if $s.enabled }}
{{- $endpoint := include "platform.redisEndpoint" $root | fromYaml }}
{{- $secretFiles := include "platform.secretFiles" (list $root $s) | fromYamlArray }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  {{- if not $s.autoscaling.enabled }}
  replicas: {{ $s.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    {{- if $s.singleton }}
    # A singleton never runs twice, not even for the length of a rollout.
    type: Recreate
    {{- else }}
    type: RollingUpdate
    rollingUpdate:
      # A new pod is ready before an old one goes: no capacity dip during a rollout.
      maxUnavailable: 0
      maxSurge: 1
    {{- end }}
  selector:
    matchLabels:
      {{- include "platform.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "platform.labels" . | nindent 8 }}
        {{- with $s.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # A changed ConfigMap or Secret rolls the pods: env is read once, at start.
        checksum/config: {{ include "platform.configmap" . | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- with $s.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $s.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ include "platform.terminationGracePeriod" $s }}
      {{- with $s.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.topologySpread }}
      topologySpreadConstraints:
        {{- range . }}
        - {{ toYaml . | nindent 10 | trim }}
          labelSelector:
            matchLabels:
              {{- include "platform.selectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ $s.name }}
          image: {{ include "platform.image" . }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          envFrom:
            - configMapRef:
                name: {{ include "platform.componentFullname" . }}
          ports:
            - name: http
              containerPort: {{ $s.port }}
              protocol: TCP
            {{- range $s.extraPorts }}
            - name: {{ .name }}
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
          startupProbe:
            httpGet:
              path: /health/live
              port: http
            {{- toYaml $s.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /health/live
              port: http
            {{- toYaml $s.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /health/ready
              port: http
            {{- toYaml $s.probes.readiness | nindent 12 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $s.shutdown.preStopSeconds }}
          resources:
            {{- toYaml $s.resources | nindent 12 }}
          securityContext:
            {{- toYaml $s.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: secrets
              mountPath: /var/run/secrets/platform
              readOnly: true
            {{- if $endpoint.caSecret }}
            - name: redis-tls
              mountPath: /var/run/secrets/redis-tls
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $s.tmpSizeLimit }}
        # Only the keys this service reads, as files (<NAME>_FILE): no secret in env or in a ConfigMap.
        - name: secrets
          secret:
            secretName: {{ include "platform.secretName" $root }}
            defaultMode: 0440
            items:
              {{- range $secretFiles }}
              - key: {{ .key }}
                path: {{ .key }}
              {{- end }}
        {{- if $endpoint.caSecret }}
        - name: redis-tls
          secret:
            secretName: {{ $endpoint.caSecret }}
            defaultMode: 0440
            items:
              - key: ca.crt
                path: ca.crt
        {{- end }}
{{- end }}
{{- end }}

{{- define "platform.service" -}}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if $s.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "platform.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $s.port }}
      targetPort: http
      protocol: TCP
    {{- range $s.extraPorts }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end }}

{{- define "platform.hpa" -}}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if and $s.enabled $s.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "platform.componentFullname" . }}
  minReplicas: {{ $s.autoscaling.minReplicas }}
  maxReplicas: {{ $s.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $s.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end }}

{{/* A PDB wherever more than one pod runs; one for a single pod would block every node drain. */}}
{{- define "platform.pdb" -}}
{{- $s := include "platform.settings" . | fromYaml }}
{{- $pods := ternary $s.autoscaling.minReplicas $s.replicaCount $s.autoscaling.enabled }}
{{- if and $s.enabled $s.pdb.enabled (gt (int $pods) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $s.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "platform.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{- define "platform.networkpolicy" -}}
{{- $root := index . 0 }}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if and $s.enabled $s.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "platform.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  {{- /*
  A rule without `from` admits every source, so a port whose peer list is empty gets no rule
  at all (closed); only `networkPolicy.public` opens the HTTP port to everyone.
  */}}
  {{- $httpPeers := concat ($root.Values.metrics.scrapeFrom | default list) ($s.networkPolicy.allowFrom | default list) }}
  {{- $open := or $s.networkPolicy.public $httpPeers }}
  {{- range $s.extraPorts }}{{ if .from }}{{ $open = true }}{{ end }}{{ end }}
  {{- if not $open }}
  # No peers at all: every ingress is denied.
  ingress: []
  {{- else }}
  ingress:
    {{- if $s.networkPolicy.public }}
    - ports:
        - port: http
          protocol: TCP
    {{- else if $httpPeers }}
    - ports:
        - port: http
          protocol: TCP
      from:
        {{- toYaml $httpPeers | nindent 8 }}
    {{- end }}
    {{- range $s.extraPorts }}
    {{- if .from }}
    - ports:
        - port: {{ .name }}
          protocol: TCP
      from:
        {{- range .from }}
        - podSelector:
            matchLabels:
              {{- include "platform.selectorLabels" (list $root .) | nindent 14 }}
        {{- end }}
    {{- end }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "platform.servicemonitor" -}}
{{- $root := index . 0 }}
{{- $s := include "platform.settings" . | fromYaml }}
{{- if and $s.enabled $root.Values.metrics.serviceMonitor.enabled ($root.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "platform.componentFullname" . }}
  labels:
    {{- include "platform.labels" . | nindent 4 }}
    {{- with $root.Values.metrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  # The job is the service's name (gateway, catalog, ...), as in the config `make monitor`
  # writes, so the alert rules and dashboards work unchanged in both.
  jobLabel: app.kubernetes.io/component
  selector:
    matchLabels:
      {{- include "platform.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $root.Values.metrics.serviceMonitor.interval }}
      # The services label their own series with `service`; keep it over the operator's.
      honorLabels: true
      # The alert rules and dashboards select the platform by this label, not by a list of names.
      relabelings:
        - targetLabel: part_of
          replacement: nest-redis-platform
{{- end }}
{{- end }}
