/**
 * Redaction and titles of 1 MB hostile strings (the repeated prefix of each secret pattern), in
 * this process: every log line goes through redactString and every first message through
 * titleFrom, so a pattern that backtracks stalls the server for as long as it runs.
 */
import { titleFrom } from '$lib/format/title';
import { redactString } from '$lib/server/log';
import { summarize, timeRuns } from './lib/stats';
import { verdict, type BenchRow, type BenchSection } from './lib/harness';

const SIZE = 1_000_000;

const REDACTION_INPUTS = [
	'eyJ-',
	'sk-',
	'sk-or-v1-',
	'Bearer ',
	'ya29.',
	'-----BEGIN PRIVATE KEY-----',
	'?key=',
	'api_key=',
	'client_secret=&',
	'a:b@',
	'http://a:b',
	'a.'
];
const TITLE_INPUTS = ['**a ', '**', '__a '];

/**
 * Per 1 MB string: a linear pass per pattern is a few ms on an idle core; a pattern that
 * backtracks takes seconds to minutes, so the limit is far from both.
 */
const GOAL_MS = 50;
const LIMIT_MS = 1_000;

export function redactionBench({ runs = 7 }: { runs?: number } = {}): BenchSection[] {
	return [
		{
			name: 'redaction',
			async run() {
				const rows: BenchRow[] = [];
				const time = async (what: string, fn: () => unknown) => {
					const times = await timeRuns(async () => fn(), { runs, warmup: 1 });
					const { n, p50, p99 } = summarize(times);
					rows.push({
						what,
						unit: 'ms',
						n,
						p50,
						p99,
						goal: `p50 ≤ ${GOAL_MS} ms (must ≤ ${LIMIT_MS})`,
						verdict: verdict(p50, GOAL_MS, LIMIT_MS)
					});
				};
				for (const unit of REDACTION_INPUTS) {
					const text = unit.repeat(Math.ceil(SIZE / unit.length));
					await time(`redact 1 MB of ${JSON.stringify(unit)}`, () => redactString(text));
				}
				for (const unit of TITLE_INPUTS) {
					const text = unit.repeat(Math.ceil(SIZE / unit.length));
					await time(`title of 1 MB of ${JSON.stringify(unit)}`, () => titleFrom(text));
				}
				return rows;
			}
		}
	];
}
