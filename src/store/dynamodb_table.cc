#include "store/dynamodb_table.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <thread>

#include "core/log_line.h"

namespace hitcounter {
namespace {

using aws::AwsCallResult;
using aws::AwsJsonClient;
using aws::Deadline;
using aws::Replay;
using std::chrono::milliseconds;

// DynamoDB's default per-table capacity quota; a larger figure is a typo more often than not.
constexpr std::int64_t kMaxCapacityUnits = 40'000;

std::string Where(const DynamoDbSettings& settings) {
  return "DynamoDB table '" + settings.table + "' in region " + settings.service.region + " (" +
         settings.service.endpoint.Url() + ")";
}

bool ParseUnits(std::string_view text, std::int64_t& units) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), units);
  return error == std::errc() && end == text.data() + text.size() && units >= 1 &&
         units <= kMaxCapacityUnits;
}

// Polls DescribeTable until the table is ACTIVE or `deadline` passes.
Status WaitUntilActive(AwsJsonClient& client, const DynamoDbSettings& settings, Deadline deadline) {
  milliseconds pause = kFirstTablePoll;
  std::string last_status = "unknown";
  for (;;) {
    const Deadline call_deadline =
        std::min(deadline, std::chrono::steady_clock::now() + settings.call_timeout);
    AwsCallResult call =
        client.Call("DescribeTable", dynamodb::DescribeTableRequest(settings.table), call_deadline,
                    Replay::kSafe);
    // Just after CreateTable, DescribeTable may not find the table yet: keep polling.
    const bool not_yet = call.error && call.error->type == "ResourceNotFoundException";
    if (!call.status.ok() && !not_yet) {
      return Status::Unavailable(Where(settings) + ": " + call.status.message());
    }
    if (call.status.ok()) {
      Result<dynamodb::TableDescription> table = dynamodb::ParseTableDescription(call.body);
      if (!table.ok()) return table.status();
      if (!table->keyed_by_route) {
        return Status::InvalidArgument(Where(settings) +
                                       " exists, but its key is not 'route' (string) alone");
      }
      if (table->status == "ACTIVE") return Status::Ok();
      last_status = table->status;
    }
    if (std::chrono::steady_clock::now() + pause >= deadline) {
      return Status::Unavailable(Where(settings) + " is still " + last_status +
                                 " after waiting; try again later");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kMaxTablePoll);
  }
}

// Turns on TTL for rate-limit windows. Already on is fine; so is an engine that has no TTL.
Status EnableWindowExpiry(AwsJsonClient& client, const DynamoDbSettings& settings,
                          Deadline deadline) {
  AwsCallResult call = client.Call(
      "UpdateTimeToLive", dynamodb::EnableTimeToLiveRequest(settings.table),
      std::min(deadline, std::chrono::steady_clock::now() + settings.call_timeout), Replay::kSafe);
  if (call.status.ok()) return Status::Ok();
  if (call.error && call.error->type == "ValidationException" &&
      call.error->message.find("already enabled") != std::string::npos) {
    return Status::Ok();
  }
  if (call.error && call.error->type == "UnknownOperationException") {
    LogLine("warn",
            "this engine has no TTL (UpdateTimeToLive is unknown): rate-limit windows will not "
            "expire")
        .Add("table", Where(settings))
        .WriteTo(stderr);
    return Status::Ok();
  }
  return Status::Unavailable(
      Where(settings) + ": cannot turn on TTL for rate-limit windows: " + call.status.message());
}

}  // namespace

Result<dynamodb::ProvisionedCapacity> ParseProvisionedCapacity(std::string_view text) {
  dynamodb::ProvisionedCapacity capacity;
  const std::size_t comma = text.find(',');
  if (comma == std::string_view::npos || !ParseUnits(text.substr(0, comma), capacity.read_units) ||
      !ParseUnits(text.substr(comma + 1), capacity.write_units)) {
    return Status::InvalidArgument("--provisioned takes READ,WRITE capacity units, each 1 to " +
                                   std::to_string(kMaxCapacityUnits) + " (e.g. 5,5), not '" +
                                   std::string(text) + "'");
  }
  return capacity;
}

Status CreateDynamoDbTable(const DynamoDbSettings& settings,
                           const std::optional<dynamodb::ProvisionedCapacity>& provisioned,
                           milliseconds wait) {
  if (Status valid = ValidateTableName(settings.table); !valid.ok()) return valid;
  Result<aws::TransportFactory> transports = aws::HttpClientFactory(settings.service);
  if (!transports.ok()) return transports.status();
  SystemClock clock;
  AwsJsonClient client(settings.service, aws::DynamoDbService(), (*transports)(), clock);
  const Deadline deadline = std::chrono::steady_clock::now() + wait;
  // Sending CreateTable twice is harmless: the second one gets ResourceInUseException.
  AwsCallResult call = client.Call(
      "CreateTable", dynamodb::CreateTableRequest(settings.table, provisioned),
      std::min(deadline, std::chrono::steady_clock::now() + settings.call_timeout), Replay::kSafe);
  const bool exists = call.error && call.error->type == "ResourceInUseException";
  if (!call.status.ok() && !exists) {
    return Status::Unavailable(Where(settings) + ": " + call.status.message());
  }
  if (Status active = WaitUntilActive(client, settings, deadline); !active.ok()) return active;
  return EnableWindowExpiry(client, settings, deadline);
}

}  // namespace hitcounter
