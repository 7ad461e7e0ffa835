// The program with every configuration key set away from its default.

import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { isSecret, kRegion, makeFakeZip, reveal, Run, runProgram } from "./harness";

const kTable = "aws:dynamodb/table:Table";
const kFunction = "aws:lambda/function:Function";

describe("a deployment configured away from every default", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({
            lambdaZip: makeFakeZip(),
            billingMode: "PROVISIONED",
            readCapacity: "7",
            writeCapacity: "3",
            architecture: "arm64",
            memorySize: "256",
            timeout: "20",
            logRetentionDays: "30",
            stageName: "v1",
            throttleRateLimit: "50",
            throttleBurstLimit: "100",
            tableName: "my-hits",
            reservedPrefix: "/__",
            rateLimit: "100/1m",
            rateLimitRules: "/login 5/1m; /static/ unlimited",
            maxRoutes: "5000",
            adminToken: "correct-horse-battery-staple",
        }, { secretKeys: ["adminToken"] });
    });

    it("bills the table as provisioned with the configured read and write capacity", () => {
        const table = run.one(kTable).inputs;
        assert.equal(table.billingMode, "PROVISIONED");
        assert.equal(table.readCapacity, 7);
        assert.equal(table.writeCapacity, 3);
    });

    it("keeps point-in-time recovery, encryption and TTL on whatever the billing mode", () => {
        const table = run.one(kTable).inputs;
        assert.deepEqual(table.pointInTimeRecovery, { enabled: true });
        assert.deepEqual(table.serverSideEncryption, { enabled: true });
        assert.deepEqual(table.ttl, { attributeName: "expiresAt", enabled: true });
    });

    it("names the table as configured and outputs that name", () => {
        assert.equal(run.one(kTable).inputs.name, "my-hits");
        assert.equal(run.outputs.tableName, "my-hits");
    });

    it("takes the architecture, memory size and timeout from config", () => {
        const fn = run.one(kFunction).inputs;
        assert.deepEqual(fn.architectures, ["arm64"]);
        assert.equal(fn.memorySize, 256);
        assert.equal(fn.timeout, 20);
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
    });

    it("passes every configured service setting to the function's environment", () => {
        assert.deepEqual(reveal(run.one(kFunction).inputs.environment).variables, {
            TABLE_NAME: "my-hits",
            HITCOUNTER_RESERVED_PREFIX: "/__",
            HITCOUNTER_RATE_LIMIT: "100/1m",
            HITCOUNTER_RATE_LIMIT_RULES: "/login 5/1m; /static/ unlimited",
            HITCOUNTER_MAX_ROUTES: "5000",
            HITCOUNTER_ADMIN_TOKEN: "correct-horse-battery-staple",
        });
    });

    it("hands the admin token to the engine only as a secret", () => {
        const environment = run.one(kFunction).inputs.environment;
        assert.ok(isSecret(environment), "the environment carrying the token is not a secret");
        for (const r of run.resources) {
            const plain = JSON.stringify(r.inputs, (_k, v) => (isSecret(v) ? "[secret]" : v));
            assert.ok(!plain.includes("correct-horse"), `the token is in the clear in ${r.type} ${r.name}`);
        }
        for (const value of Object.values(run.outputs)) {
            assert.ok(!String(value).includes("correct-horse"));
        }
    });

    it("keeps logs for the configured number of days", () => {
        assert.equal(run.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
    });

    it("uses the configured stage name for the stage, the invoke permission and the URLs", () => {
        const api = run.one("aws:apigateway/restApi:RestApi");
        assert.equal(run.one("aws:apigateway/stage:Stage").inputs.stageName, "v1");
        assert.equal(run.one("aws:lambda/permission:Permission").inputs.sourceArn,
            `${api.state.executionArn}/v1/*/*`);
        const base = `https://${api.id}.execute-api.${kRegion}.amazonaws.com/v1/`;
        assert.equal(run.outputs.url, base);
        // The stats endpoint and the dashboard follow the reserved prefix.
        assert.equal(run.outputs.statsUrl, `${base}__stats`);
        assert.equal(run.outputs.dashboardUrl, `${base}__dashboard`);
    });

    it("throttles every method at the configured rate and burst", () => {
        const settings = run.one("aws:apigateway/methodSettings:MethodSettings").inputs;
        assert.equal(settings.methodPath, "*/*");
        assert.equal(settings.stageName, "v1");
        assert.equal(settings.settings.throttlingRateLimit, 50);
        assert.equal(settings.settings.throttlingBurstLimit, 100);
    });
});

describe("redeployment", () => {
    it("changes the deployment's trigger when the function behind the integrations is replaced", async () => {
        const zip = makeFakeZip();
        const trigger = async (functionName: string) => {
            const run = await runProgram({ lambdaZip: zip }, { functionName });
            return run.one("aws:apigateway/deployment:Deployment").inputs.triggers.redeployment as string;
        };
        const first = await trigger("hitcounter-aaaaaaa");
        assert.equal(await trigger("hitcounter-aaaaaaa"), first, "the same API must not redeploy");
        assert.notEqual(await trigger("hitcounter-bbbbbbb"), first);
    });
});
