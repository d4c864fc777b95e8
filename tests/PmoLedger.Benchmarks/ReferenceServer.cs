using System.Text.Json;
using Npgsql;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The reference app: the smallest Kestrel minimal-API app on the same runtime. Without a
/// connection it is the "empty app" of the cold-start phase; with one it also serves the
/// timeline JSON straight from PostgreSQL with one prepared statement.
/// </summary>
public static class ReferenceServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();

        app.MapGet("/health", () => Results.Ok(new { status = "Healthy" }));
        // The "empty" POST: the same JSON body is parsed, nothing else is done.
        app.MapPost("/ref/empty", (JsonElement body) => Results.NoContent());

        var connection = args.SkipWhile(a => a != "--connection").Skip(1).FirstOrDefault();
        if (connection is not null)
        {
            // Auto-prepare: the lookup is a prepared statement after its first use on each connection.
            var prepared = new NpgsqlConnectionStringBuilder(connection) { MaxAutoPrepare = 10, AutoPrepareMinUsages = 1 };
            await using var dataSource = new NpgsqlDataSourceBuilder(prepared.ConnectionString).Build();
            app.MapGet("/ref/timeline/{id:guid}", async (Guid id, CancellationToken ct) =>
            {
                await using var command = dataSource.CreateCommand("select data from ledger.mt_doc_timeline where id = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = id });
                var json = (string?)await command.ExecuteScalarAsync(ct);
                return json is null ? Results.NotFound() : Results.Text(json, "application/json");
            });
            await app.RunAsync();
            return 0;
        }

        await app.RunAsync();
        return 0;
    }
}
