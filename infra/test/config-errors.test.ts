// Bad configuration stops the program with one clear message, before any resource is declared.

import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { makeFakeZip, reveal, runProgram } from "./harness";
import { kBuildZipCommand, kDefaultLambdaZip, kRepoRoot } from "../settings";

/** Asserts that the program throws `message` and declares no resource before it does. */
async function refused(config: Record<string, string>, message: RegExp): Promise<void> {
    await assert.rejects(runProgram(config), (err: Error & { declaredResources?: number }) => {
        assert.match(err.message, message);
        assert.equal(err.declaredResources, 0, "resources were declared before the error");
        return true;
    });
}

describe("configuration errors", () => {
    it("a missing zip stops the program with the command that builds it", async () => {
        const missing = path.join(path.dirname(makeFakeZip()), "nope.zip");
        await refused({ lambdaZip: missing }, new RegExp(
            `${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not exist\\. Build it from the ` +
            "repository root with `cmake --preset release && cmake --build --preset release " +
            "--target hitcounter-lambda-zip`"));
    });

    it("the default zip is build/release/hitcounter-lambda.zip under the repository root", () => {
        assert.equal(kDefaultLambdaZip, "build/release/hitcounter-lambda.zip");
        assert.equal(kRepoRoot, path.resolve(__dirname, "..", ".."));
        assert.equal(kBuildZipCommand,
            "cmake --preset release && cmake --build --preset release --target hitcounter-lambda-zip");
    });

    it("a relative lambdaZip is resolved from the repository root", async () => {
        await refused({ lambdaZip: "build/nowhere/x.zip" },
            new RegExp(`${path.join(kRepoRoot, "build/nowhere/x.zip")} does not exist`));
    });

    const zip = makeFakeZip();
    const cases: [string, Record<string, string>, RegExp][] = [
        ["an unknown billing mode is refused with the accepted ones",
            { billingMode: "ON_DEMAND" }, /billingMode must be one of PAY_PER_REQUEST, PROVISIONED, got "ON_DEMAND"/],
        ["capacities without provisioned billing are refused",
            { readCapacity: "5" }, /readCapacity applies only to billingMode PROVISIONED/],
        ["a zero capacity is refused",
            { billingMode: "PROVISIONED", writeCapacity: "0" }, /writeCapacity must be a whole number from 1 to 40000, got "0"/],
        ["a capacity that is not a number is refused",
            { billingMode: "PROVISIONED", readCapacity: "lots" }, /readCapacity must be a whole number/],
        ["an unknown architecture is refused",
            { architecture: "aarch64" }, /architecture must be one of x86_64, arm64, got "aarch64"/],
        ["a memory size Lambda does not offer is refused",
            { memorySize: "64" }, /memorySize must be a whole number from 128 to 10240/],
        ["a timeout longer than API Gateway waits is refused",
            { timeout: "30" }, /timeout must be a whole number from 1 to 29/],
        ["a log retention CloudWatch does not offer is refused",
            { logRetentionDays: "10" }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30/],
        ["a malformed rate limit is refused",
            { rateLimit: "100 per minute" }, /rateLimit must be <hits>\/<window>/],
        ["a rate limit with a zero-length window is refused",
            { rateLimit: "10/0s" }, /rateLimit must be <hits>\/<window>/],
        ["a rate limit rule without a slash-led prefix is refused",
            { rateLimitRules: "/ok 1/1s; login 5/1m" }, /rateLimitRules must be .* got "login 5\/1m"/],
        ["a reserved prefix not starting with a slash is refused",
            { reservedPrefix: "_" }, /reservedPrefix must be "\/_" or whole segments ending in "\/"/],
        ["a reserved prefix of / alone, which would reserve every path, is refused",
            { reservedPrefix: "/" }, /reservedPrefix must be "\/_" or whole segments/],
        ["a reserved prefix that cuts a segment is refused",
            { reservedPrefix: "/admin" }, /reservedPrefix must be .* got "\/admin"/],
        ["a reserved prefix with an empty segment is refused",
            { reservedPrefix: "/a//b/" }, /reservedPrefix must be .* got "\/a\/\/b\/"/],
        ["a stage name with a slash is refused",
            { stageName: "a/b" }, /stageName must be letters, digits, - and _/],
        ["a table name DynamoDB would refuse is refused",
            { tableName: "no spaces" }, /tableName must be 3 to 255/],
        ["a negative throttle rate is refused",
            { throttleRateLimit: "-1" }, /throttleRateLimit must be a whole number from 1 to 10000/],
        ["a burst above the account's default quota is refused",
            { throttleBurstLimit: "9000" }, /throttleBurstLimit must be a whole number from 1 to 5000/],
        ["a negative route limit is refused",
            { maxRoutes: "-1" }, /maxRoutes must be a whole number from 0/],
        ["public read endpoints and an admin token together are refused",
            { publicReadEndpoints: "true", adminToken: "s3cret" }, /publicReadEndpoints is true but adminToken is set/],
        ["a switch that is neither true nor false is refused",
            { protectTable: "yes" }, /protectTable must be true or false, got "yes"/],
        ["a zero reserved concurrency (a function that never runs) is refused",
            { reservedConcurrency: "0" }, /reservedConcurrency must be a whole number from 1 to 1000/],
        ["a reserved concurrency above the default account quota is refused",
            { reservedConcurrency: "1001" }, /reservedConcurrency must be a whole number from 1 to 1000/],
        ["an on-demand maximum with provisioned billing is refused",
            { billingMode: "PROVISIONED", maxWriteRequestUnits: "100" },
            /maxWriteRequestUnits applies only to billingMode PAY_PER_REQUEST/],
        ["an on-demand maximum above the table quota is refused",
            { maxReadRequestUnits: "40001" }, /maxReadRequestUnits must be a whole number from 1 to 40000/],
        ["an alarm e-mail that is not an address is refused",
            { alarmEmail: "ops at example.com" }, /alarmEmail must be an e-mail address/],
        ["an unknown API Gateway log role choice is refused",
            { apiGatewayLogRole: "none" }, /apiGatewayLogRole must be one of create, existing, got "none"/],
    ];
    for (const [name, config, message] of cases) {
        it(name, async () => {
            await refused({ lambdaZip: zip, ...config }, message);
        });
    }

    it("a route limit of 0 lifts the bound and is passed to the function", async () => {
        const run = await runProgram({ lambdaZip: zip, maxRoutes: "0" });
        const env = reveal(run.one("aws:lambda/function:Function").inputs.environment).variables;
        assert.equal(env.HITCOUNTER_MAX_ROUTES, "0");
    });

    it("an empty rate limit means no limit and is not passed to the function", async () => {
        const run = await runProgram({ lambdaZip: zip, rateLimit: "" });
        const env = reveal(run.one("aws:lambda/function:Function").inputs.environment).variables;
        assert.equal(env.HITCOUNTER_RATE_LIMIT, undefined);
    });
});
