/**
 * The last lines of a failed Batch job's log on AWS, for `vlmflow status`: Batch writes a job's
 * output to CloudWatch Logs (group /aws/batch/job, the stream DescribeJobs names), which the run
 * summary's Lambda does not read. The client is passed in, so tests inject one.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BATCH_LOG_GROUP, LOG_TAIL_LINES, logTailOf } from '../../../core/failure-causes';
import { messageOf } from '../../../core/errors';

/** The stream's last lines, or one line saying why they could not be read. */
export async function readJobLogTail(
  client: CloudWatchLogsClient,
  logStreamName: string,
  logGroupName = BATCH_LOG_GROUP,
): Promise<string[]> {
  try {
    // startFromHead false: the page ends at the stream's last event.
    const page = await client.send(
      new GetLogEventsCommand({
        logGroupName,
        logStreamName,
        startFromHead: false,
        limit: LOG_TAIL_LINES,
      }),
    );
    const lines = (page.events ?? []).flatMap((event) => (event.message ?? '').split('\n'));
    return lines.length > 0
      ? logTailOf(lines)
      : [`(log ${logGroupName}/${logStreamName} is empty)`];
  } catch (error) {
    return [`(could not read log ${logGroupName}/${logStreamName}: ${messageOf(error)})`];
  }
}
