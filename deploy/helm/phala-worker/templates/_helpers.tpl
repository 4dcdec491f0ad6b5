{{/* Chart name and version as used by the helm.sh/chart label. */}}
{{- define "phala-worker.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* The Kubernetes recommended labels. */}}
{{- define "phala-worker.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: node-agent
app.kubernetes.io/part-of: phala-worker
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "phala-worker.chart" . }}
{{- end -}}

{{/* The labels that select this release's pods (a subset of the recommended labels; never changes on upgrade). */}}
{{- define "phala-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
