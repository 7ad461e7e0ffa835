// The handler most users would write: one UpdateItem per hit with @aws-sdk/client-dynamodb,
// the same expression as hitcounter's DynamoDB store (src/store/dynamodb_json.cc), answering an
// API Gateway proxy response. Created at module load, as a Lambda handler's client is.
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB || undefined });
const table = process.env.TABLE_NAME;
const maxCount = "9223372036854775807";

export async function handler(event) {
  const route = event.rawPath ?? event.path ?? "/";
  const now = String(Date.now());
  const out = await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { route: { S: route } },
      UpdateExpression: "ADD #c :one SET #la = :now, #fs = if_not_exists(#fs, :now)",
      ConditionExpression: "attribute_not_exists(#c) OR #c < :max",
      ExpressionAttributeNames: { "#c": "count", "#la": "lastAccess", "#fs": "firstSeen" },
      ExpressionAttributeValues: { ":one": { N: "1" }, ":now": { N: now }, ":max": { N: maxCount } },
      ReturnValues: "ALL_NEW",
    }),
  );
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ route, count: Number(out.Attributes.count.N) }),
    isBase64Encoded: false,
  };
}
