import type { Command } from 'commander';
import type { CliContext } from '../cli-context';
import { findOrStartRedis } from '../demo/local-redis';
import { DemoStory } from '../demo/demo-story';
import { DemoWorld, findRepoRoot } from '../demo/demo-world';

/** `driftwarden demo`: the Friday-afternoon story end to end on this machine. */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('tell the Friday-afternoon story end to end on this machine (no cloud account needed)')
    .option('--report <file>', 'where to write the Markdown report', 'driftwarden-demo-report.md')
    .action(async (opts: { report: string }) => {
      const started = Date.now();
      const redis = await findOrStartRedis(ctx.io.env);
      if (redis.started) ctx.io.stderr.write(`(started a local redis-server at ${redis.url} for the demo)\n`);
      const world = new DemoWorld(findRepoRoot(), redis.url, { settleSeconds: 2, cooldownSeconds: 3, pollSeconds: 1 });
      let story: DemoStory | undefined;
      try {
        await world.start();
        story = new DemoStory(world, ctx);
        await story.run();
        story.summary();
        const report = story.writeReport(opts.report);
        ctx.io.stdout.write(`\nReport: ${report}\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
      } finally {
        await world.stop();
        await redis.stop();
      }
      if (!story?.ok) {
        ctx.io.stderr.write('the demo did not go as the story says (see the steps marked ✘)\n');
        ctx.exitCode = 1;
      }
    });
}
