using Npgsql;

namespace PmoLedger.Tests;

/// <summary>Databases of their own beside the API tests' one, for hosts that must not share its ledger.</summary>
public static class TestDatabases
{
    /// <summary>Limits far above anything a test sends, so only the rate-limit tests meet them (they set their own).</summary>
    public static void NoRateLimits()
    {
        foreach (var key in new[] { "RateLimits__ProviderPerWindow", "RateLimits__ProviderBurst", "RateLimits__UserPerWindow", "RateLimits__UserBurst" })
            Environment.SetEnvironmentVariable(key, "1000000");
    }

    public static string ApiTests => Environment.GetEnvironmentVariable("PMOLEDGER_TEST_CONNECTION") ?? AppFixture.DefaultConnection;

    /// <summary>
    /// The API tests' database name plus <paramref name="suffix"/>, emptied (the ledger's schema, which holds
    /// Wolverine's tables too, is dropped) so the service starts as on a first start. Created once; dropping
    /// a schema is far cheaper than a new database on a busy shared server.
    /// </summary>
    public static async Task<string> Fresh(string suffix)
    {
        var builder = new NpgsqlConnectionStringBuilder(ApiTests) { CommandTimeout = 600 };
        var name = builder.Database + suffix;
        await using (var admin = new NpgsqlConnection(builder.ConnectionString))
        {
            await admin.OpenAsync();
            // datconnlimit -2 marks a database whose creation was interrupted: it must be made again.
            await using var state = new NpgsqlCommand("select datconnlimit from pg_database where datname = $1", admin) { Parameters = { new() { Value = name } } };
            if (await state.ExecuteScalarAsync() is not int limit || limit == -2)
            {
                await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", admin);
                await drop.ExecuteNonQueryAsync();
                await using var create = new NpgsqlCommand($"create database \"{name}\"", admin);
                await create.ExecuteNonQueryAsync();
            }
        }
        builder.Database = name;
        await using (var fresh = new NpgsqlConnection(builder.ConnectionString))
        {
            await fresh.OpenAsync();
            await using var empty = new NpgsqlCommand($"drop schema if exists {LedgerStore.Schema} cascade", fresh);
            await empty.ExecuteNonQueryAsync();
        }
        builder.CommandTimeout = new NpgsqlConnectionStringBuilder(ApiTests).CommandTimeout;
        return builder.ConnectionString;
    }
}
