// The program with nothing configured but the zip: what a plain `pulumi up` deploys.

import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import { kAccount, kGeneratedToken, kRegion, makeFakeZip, isSecret, reveal, Run, runProgram } from "./harness";
import { kAccessLogFormat } from "../monitoring";

const kTable = "aws:dynamodb/table:Table";
const kLogGroup = "aws:cloudwatch/logGroup:LogGroup";
const kRole = "aws:iam/role:Role";
const kRolePolicy = "aws:iam/rolePolicy:RolePolicy";
const kFunction = "aws:lambda/function:Function";
const kPermission = "aws:lambda/permission:Permission";
const kRestApi = "aws:apigateway/restApi:RestApi";
const kResource = "aws:apigateway/resource:Resource";
const kMethod = "aws:apigateway/method:Method";
const kIntegration = "aws:apigateway/integration:Integration";
const kDeployment = "aws:apigateway/deployment:Deployment";
const kStage = "aws:apigateway/stage:Stage";
const kMethodSettings = "aws:apigateway/methodSettings:MethodSettings";
const kAccountSettings = "aws:apigateway/account:Account";
const kAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const kRandomPassword = "random:index/randomPassword:RandomPassword";
const kAlarm = "aws:cloudwatch/metricAlarm:MetricAlarm";

interface Statement {
    Effect: string;
    Action: string | string[];
    Resource?: string | string[];
    Principal?: unknown;
    Condition?: unknown;
    NotAction?: unknown;
    NotResource?: unknown;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("the default deployment", () => {
    let run: Run;
    let zip: string;
    before(async () => {
        zip = makeFakeZip();
        run = await runProgram({ lambdaZip: zip });
    });

    const fnState = () => run.one(kFunction).state;
    const api = () => run.one(kRestApi);
    const policy = (): { Statement: Statement[] } => JSON.parse(run.one(kRolePolicy).inputs.policy);
    const functionGroup = () => run.one(kLogGroup, "hitcounter");

    it("wires ANY on the root resource to the function through an AWS_PROXY POST integration", () => {
        const method = run.one(kMethod, "root");
        assert.equal(method.inputs.resourceId, api().state.rootResourceId);
        assert.equal(method.inputs.restApi, api().id);
        assert.equal(method.inputs.httpMethod, "ANY");
        assert.equal(method.inputs.authorization, "NONE");
        const integration = run.one(kIntegration, "root");
        assert.equal(integration.inputs.resourceId, api().state.rootResourceId);
        assert.equal(integration.inputs.httpMethod, "ANY");
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.equal(integration.inputs.integrationHttpMethod, "POST");
        assert.equal(integration.inputs.uri, fnState().invokeArn);
    });

    it("wires ANY on a greedy {proxy+} resource under the root to the same function", () => {
        const resource = run.one(kResource, "proxy");
        assert.equal(resource.inputs.pathPart, "{proxy+}");
        assert.equal(resource.inputs.parentId, api().state.rootResourceId);
        const method = run.one(kMethod, "proxy");
        assert.equal(method.inputs.resourceId, resource.id);
        assert.equal(method.inputs.httpMethod, "ANY");
        const integration = run.one(kIntegration, "proxy");
        assert.equal(integration.inputs.resourceId, resource.id);
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.equal(integration.inputs.integrationHttpMethod, "POST");
        assert.equal(integration.inputs.uri, fnState().invokeArn);
        assert.equal(run.all(kMethod).length, 2, "no method other than the two ANY methods");
    });

    it("lets DELETE reach the function (DELETE /_stats deletes counts): ANY is every method", () => {
        // A method list narrower than ANY (GET, POST...) would answer DELETE with API Gateway's
        // own 403 before the function, and its admin token, could see it.
        for (const name of ["root", "proxy"]) {
            assert.equal(run.one(kMethod, name).inputs.httpMethod, "ANY", name);
            assert.equal(run.one(kIntegration, name).inputs.httpMethod, "ANY", name);
        }
        assert.equal(run.all(kIntegration).length, 2);
    });

    it("lets only lambda.amazonaws.com assume the execution role", () => {
        const trust = JSON.parse(run.one(kRole, "hitcounter").inputs.assumeRolePolicy) as { Statement: Statement[] };
        assert.deepEqual(trust.Statement, [{
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
        }]);
    });

    it("gives the role no permission beyond its one inline policy", () => {
        const role = run.one(kRole, "hitcounter");
        assert.equal(role.inputs.managedPolicyArns, undefined);
        assert.ok(run.all(kAttachment).every((a) => a.inputs.role !== role.state.name && a.inputs.role !== role.id),
            "a managed policy is attached to the function's role");
        assert.equal(run.all("aws:iam/policy:Policy").length, 0);
        assert.equal(run.one(kRolePolicy).inputs.role, role.id);
        assert.equal(fnState().role, role.state.arn);
    });

    it("allows exactly UpdateItem, GetItem, Scan, DescribeTable and DeleteItem, on exactly this table", () => {
        const table = run.one(kTable).state;
        const onTable = policy().Statement.filter((s) => list(s.Action).some((a) => a.startsWith("dynamodb:")));
        assert.equal(onTable.length, 1);
        assert.deepEqual(list(onTable[0].Action).sort(),
            ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan",
                "dynamodb:UpdateItem"]);
        assert.deepEqual(list(onTable[0].Resource), [table.arn]);
    });

    it("allows writing logs only to the function's own log group", () => {
        const group = functionGroup().state;
        assert.equal(fnState().loggingConfig.logGroup, group.name);
        const onLogs = policy().Statement.filter((s) => list(s.Action).some((a) => a.startsWith("logs:")));
        assert.equal(onLogs.length, 1);
        assert.deepEqual(list(onLogs[0].Action).sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert.deepEqual(list(onLogs[0].Resource), [group.arn, `${group.arn}:log-stream:*`]);
    });

    it("grants nothing else, and has no '*' in any action nor in any resource beyond the log-stream name", () => {
        const group = functionGroup().state;
        const statements = policy().Statement;
        assert.equal(statements.length, 2);
        for (const s of statements) {
            assert.equal(s.Effect, "Allow");
            for (const field of ["NotAction", "NotResource", "Principal", "Condition"] as const) {
                assert.equal(s[field], undefined, `${field} in ${JSON.stringify(s)}`);
            }
            for (const action of list(s.Action)) {
                assert.ok(!action.includes("*"), `wildcard action ${action}`);
            }
            for (const resource of list(s.Resource)) {
                assert.ok(resource !== "*");
                // The one permitted '*': the stream names Lambda picks at run time, inside this
                // function's own log group (see policies.ts, logStreamsArn).
                if (resource !== `${group.arn}:log-stream:*`) {
                    assert.ok(!resource.includes("*"), `wildcard resource ${resource}`);
                }
                assert.ok(resource.startsWith(`arn:aws:dynamodb:${kRegion}:${kAccount}:table/`) ||
                    resource.startsWith(group.arn), `resource outside the table and log group: ${resource}`);
            }
        }
    });

    it("keys the table by route (a string), on demand, with point-in-time recovery, encryption and TTL on expiresAt", () => {
        const table = run.one(kTable).inputs;
        assert.equal(table.hashKey, "route");
        assert.deepEqual(table.attributes, [{ name: "route", type: "S" }]);
        assert.equal(table.rangeKey, undefined);
        assert.equal(table.billingMode, "PAY_PER_REQUEST");
        assert.equal(table.readCapacity, undefined);
        assert.equal(table.writeCapacity, undefined);
        assert.deepEqual(table.pointInTimeRecovery, { enabled: true });
        assert.deepEqual(table.serverSideEncryption, { enabled: true });
        assert.deepEqual(table.ttl, { attributeName: "expiresAt", enabled: true });
    });

    it("lets Pulumi name the table when tableName is not set", () => {
        assert.equal(run.one(kTable).inputs.name, undefined);
    });

    it("protects the table twice: DynamoDB's deletion protection and Pulumi's protect", () => {
        const table = run.one(kTable);
        assert.equal(table.inputs.deletionProtectionEnabled, true);
        assert.equal(table.protect, true);
        assert.equal(table.inputs.onDemandThroughput, undefined, "no on-demand maximum by default");
        for (const r of run.resources.filter((r) => r.type !== kTable)) {
            assert.equal(r.protect, false, `${r.type} ${r.name} is protected: only the counts are irreplaceable`);
        }
    });

    it("runs bootstrap on provided.al2023 for x86_64 with 128 MB and a 10 s timeout, from the configured zip", async () => {
        const fn = run.one(kFunction).inputs;
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
        assert.deepEqual(fn.architectures, ["x86_64"]);
        assert.equal(fn.memorySize, 128);
        assert.equal(fn.timeout, 10);
        assert.equal(await fn.code.path, zip);
    });

    it("runs the function with the account's unreserved concurrency and without active tracing", () => {
        const fn = run.one(kFunction).inputs;
        assert.equal(fn.reservedConcurrentExecutions, undefined);
        assert.deepEqual(fn.tracingConfig, { mode: "PassThrough" });
        assert.ok(policy().Statement.every((s) => list(s.Action).every((a) => !a.startsWith("xray:"))));
    });

    it("creates the function only once its role's policy is in place", () => {
        assert.ok(run.one(kFunction).dependencies.includes(run.one(kRolePolicy).urn),
            "the function does not wait for its role's policy: its first logs and hits could fail");
    });

    it("closes the read-only endpoints with a generated token, of which the function gets only the SHA-256", () => {
        const token = run.one(kRandomPassword);
        assert.equal(token.inputs.length, 40);
        assert.equal(token.inputs.special, false);
        const generated = token.state.result as string;
        assert.equal(generated, kGeneratedToken.slice(0, 40));
        const table = run.one(kTable).state;
        const environment = run.one(kFunction).inputs.environment;
        assert.ok(isSecret(environment), "the digest reaches the engine in the clear");
        assert.deepEqual(reveal(environment), {
            variables: {
                TABLE_NAME: table.name,
                HITCOUNTER_ADMIN_TOKEN_SHA256: crypto.createHash("sha256").update(generated).digest("hex"),
            },
        });
        for (const r of run.resources.filter((r) => r.type !== kRandomPassword)) {
            assert.ok(!JSON.stringify(reveal(r.inputs)).includes(generated), `the token is in ${r.type} ${r.name}`);
        }
    });

    it("keeps the function's logs for 14 days in a log group named after the stack, in Lambda's JSON format", () => {
        const group = functionGroup().inputs;
        assert.equal(group.retentionInDays, 14);
        assert.equal(group.namePrefix, "/aws/lambda/hitcounter-test-");
        assert.deepEqual(run.one(kFunction).inputs.loggingConfig,
            { logFormat: "JSON", logGroup: functionGroup().state.name });
    });

    it("writes the stage's access log as JSON to a log group of its own, kept 14 days", () => {
        const group = run.one(kLogGroup, "access");
        assert.equal(group.inputs.retentionInDays, 14);
        assert.equal(group.inputs.namePrefix, "/aws/apigateway/hitcounter-test-access-");
        const settings = run.one(kStage).inputs.accessLogSettings;
        assert.equal(settings.destinationArn, group.state.arn);
        // A line API Gateway would write, with every placeholder filled as it fills them.
        const line = (settings.format as string)
            .replace(/\$context\.error\.messageString/g, '"Internal server error"')
            .replace(/\$context\.[a-zA-Z.]+/g, "-");
        const parsed = JSON.parse(line);
        assert.deepEqual(Object.keys(parsed), Object.keys(kAccessLogFormat));
        for (const field of ["requestId", "ip", "method", "path", "status", "latencyMs", "integrationStatus"]) {
            assert.ok(field in parsed, field);
        }
        assert.equal(parsed.error, "Internal server error");
        assert.ok(!/querystring|header|body|authorization/i.test(settings.format), "the access log holds request data");
    });

    it("names a CloudWatch Logs role in the region's API Gateway settings before the stage logs, and keeps it on destroy", () => {
        const role = run.one(kRole, "apigateway-logs");
        const trust = JSON.parse(role.inputs.assumeRolePolicy) as { Statement: Statement[] };
        assert.deepEqual(trust.Statement.map((s) => s.Principal), [{ Service: "apigateway.amazonaws.com" }]);
        const attachment = run.one(kAttachment, "apigateway-logs");
        assert.equal(attachment.inputs.role, role.state.name);
        assert.equal(attachment.inputs.policyArn,
            "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs");
        const account = run.one(kAccountSettings);
        assert.equal(account.inputs.cloudwatchRoleArn, role.state.arn);
        assert.ok(account.dependencies.includes(attachment.urn));
        assert.ok(run.one(kStage).dependencies.includes(account.urn), "the stage would log before the role is named");
        for (const shared of [role, attachment, account]) {
            assert.equal(shared.retainOnDelete, true, `${shared.type} is shared by the region's APIs: destroy must keep it`);
        }
    });

    it("lets API Gateway invoke the function only from this API's prod stage", () => {
        const permission = run.one(kPermission).inputs;
        assert.equal(permission.action, "lambda:InvokeFunction");
        assert.equal(permission.principal, "apigateway.amazonaws.com");
        assert.equal(permission.function, fnState().name);
        assert.equal(permission.sourceArn, `${api().state.executionArn}/prod/*/*`);
        assert.ok(permission.sourceArn.startsWith(`arn:aws:execute-api:${kRegion}:${kAccount}:${api().id}/`));
    });

    it("serves a regional API: no CloudFront edge hop", () => {
        assert.deepEqual(api().inputs.endpointConfiguration, { types: "REGIONAL" });
    });

    it("deploys only once both methods and both integrations exist, and the stage serves that deployment", () => {
        const deployment = run.one(kDeployment);
        assert.equal(deployment.inputs.restApi, api().id);
        assert.match(deployment.inputs.triggers.redeployment, /^[0-9a-f]{64}$/);
        for (const name of ["root", "proxy"]) {
            for (const type of [kMethod, kIntegration]) {
                assert.ok(deployment.dependencies.includes(run.one(type, name).urn),
                    `the deployment does not wait for ${type} ${name}`);
            }
        }
        assert.equal(run.one(kStage).inputs.deployment, deployment.id);
    });

    it("publishes a prod stage throttled for every method at 1000 requests/s with bursts of 2000", () => {
        const stage = run.one(kStage).inputs;
        assert.equal(stage.stageName, "prod");
        assert.equal(stage.restApi, api().id);
        assert.equal(stage.xrayTracingEnabled, false);
        const settings = run.one(kMethodSettings).inputs;
        assert.equal(settings.restApi, api().id);
        assert.equal(settings.stageName, "prod");
        assert.equal(settings.methodPath, "*/*");
        assert.equal(settings.settings.throttlingRateLimit, 1000);
        assert.equal(settings.settings.throttlingBurstLimit, 2000);
    });

    it("watches the function, the API and the table with six alarms, with no action without alarmEmail", () => {
        const alarms = run.all(kAlarm);
        assert.deepEqual(alarms.map((a) => a.name).sort(), ["api-5xx", "dynamodb-system-errors",
            "dynamodb-throttled", "lambda-duration", "lambda-errors", "lambda-throttles"]);
        for (const alarm of alarms) {
            assert.deepEqual(alarm.inputs.alarmActions, []);
            assert.equal(alarm.inputs.treatMissingData, "notBreaching");
            assert.equal(alarm.inputs.evaluationPeriods, 1);
            assert.match(alarm.inputs.alarmDescription, /^hitcounter: .*infra\/README\.md/);
        }
        assert.equal(run.all("aws:sns/topic:Topic").length, 0);
        const byName = (name: string) => run.one(kAlarm, name).inputs;
        const fn = fnState().name;
        for (const [name, metric, statistic, threshold] of [
            ["lambda-errors", "Errors", "Sum", 0], ["lambda-throttles", "Throttles", "Sum", 0],
            ["lambda-duration", "Duration", "Maximum", 8000], // 80% of the 10 s timeout, in ms
        ] as const) {
            const alarm = byName(name);
            assert.deepEqual([alarm.namespace, alarm.metricName, alarm.statistic, alarm.threshold],
                ["AWS/Lambda", metric, statistic, threshold]);
            assert.deepEqual(alarm.dimensions, { FunctionName: fn });
            assert.equal(alarm.comparisonOperator, "GreaterThanThreshold");
        }
        const api5xx = byName("api-5xx");
        assert.deepEqual([api5xx.namespace, api5xx.metricName, api5xx.statistic, api5xx.threshold],
            ["AWS/ApiGateway", "5XXError", "Average", 0.01]);
        assert.deepEqual(api5xx.dimensions, { ApiName: api().state.name, Stage: "prod" });
        for (const [name, metric] of [["dynamodb-throttled", "ThrottledRequests"], ["dynamodb-system-errors", "SystemErrors"]]) {
            const queries = byName(name).metricQueries as any[];
            const parts = queries.filter((q) => q.metric !== undefined);
            assert.deepEqual(parts.map((q) => q.metric.dimensions.Operation).sort(), ["GetItem", "Scan", "UpdateItem"]);
            for (const q of parts) {
                assert.deepEqual([q.metric.namespace, q.metric.metricName, q.metric.stat, q.metric.dimensions.TableName],
                    ["AWS/DynamoDB", metric, "Sum", run.one(kTable).state.name]);
                assert.equal(q.returnData, false);
            }
            const total = queries.filter((q) => q.expression !== undefined);
            assert.equal(total.length, 1);
            assert.equal(total[0].returnData, true);
            for (const q of parts) {
                assert.ok(total[0].expression.includes(`FILL(${q.id}, 0)`), total[0].expression);
            }
            assert.equal(byName(name).threshold, 0);
        }
    });

    it("outputs the URLs, the table's name, the token as a secret and the command that reads it", () => {
        const base = `https://${api().id}.execute-api.${kRegion}.amazonaws.com/prod/`;
        assert.deepEqual(run.outputs, {
            url: base,
            statsUrl: `${base}_stats`,
            dashboardUrl: `${base}_dashboard`,
            tableName: run.one(kTable).state.name,
            adminToken: kGeneratedToken.slice(0, 40),
            adminTokenCommand: "pulumi stack output --show-secrets adminToken",
            alarmTopicArn: undefined,
        });
        assert.deepEqual(run.secretOutputs, ["adminToken"]);
    });
});
