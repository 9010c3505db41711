import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** Prometheus text exposition, parsed by a Prometheus text-format parser, with lookups by name and labels. */
export function readMetrics(text: string) {
  const families = parsePrometheusTextFormat(text);
  const family = (name: string) => families.find((candidate) => candidate.name === name);
  const samples = (name: string, labels: Record<string, string> = {}) =>
    (family(name)?.metrics ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  return {
    families,
    family,
    /** The sum of the values of the samples of `name` that carry `labels` (0 when none). */
    value: (name: string, labels: Record<string, string> = {}) => samples(name, labels).reduce((sum, sample) => sum + Number(sample.value), 0),
    /** A histogram's observation count, over the samples that carry `labels`. */
    count: (name: string, labels: Record<string, string> = {}) => samples(name, labels).reduce((sum, sample) => sum + Number(sample.count), 0),
    samples,
  };
}
