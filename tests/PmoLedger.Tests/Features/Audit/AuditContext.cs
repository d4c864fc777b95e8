using System.Text.Json;
using Alba;
using Marten;
using Marten.Events;
using Npgsql;

namespace PmoLedger.Tests.Features.Audit;

/// <summary>Scenario helpers shared by the auditing tests: raw SQL on the ledger and auditor reads.</summary>
public abstract class AuditContext(AppFixture fixture) : IntegrationContext(fixture)
{
    protected async Task<NpgsqlConnection> Connect()
    {
        await using var session = Store.QuerySession();
        var connection = session.Database.CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    protected async Task<int> Sql(string sql, params object[] args)
    {
        await using var connection = await Connect();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return await command.ExecuteNonQueryAsync();
    }

    protected async Task<T> Scalar<T>(string sql, params object[] args)
    {
        await using var connection = await Connect();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    protected Task WaitForChain() => Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    protected async Task<JsonElement> Audit(string url)
    {
        var result = await As(AuditorToken, s =>
        {
            s.Get.Url(url);
            s.StatusCodeShouldBe(200);
        });
        return await result.Json();
    }

    protected async Task<JsonElement> AuditProblem(string url, int status)
    {
        var result = await As(AuditorToken, s =>
        {
            s.Get.Url(url);
            s.StatusCodeShouldBe(status);
            s.ContentTypeShouldBe("application/problem+json");
        });
        return await result.Json();
    }
}
