using JasperFx;
using Wolverine;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Whether a start applies the database schema (Marten's tables and functions, Wolverine's message tables) or
/// leaves it to the deployment step `db-apply` (docs/operations.md, "Database"). Comparing the schema with the
/// database costs several catalogue queries on every start; in Production the schema is applied once per release
/// instead, and /health/ready reports whether it is (<see cref="SchemaHealthCheck"/>). Development and tests keep
/// applying it at start. <c>Database:ApplySchemaOnStart</c> overrides either default.
/// </summary>
public sealed record SchemaOnStart(bool Apply)
{
    public static SchemaOnStart From(IConfiguration configuration, IHostEnvironment environment) =>
        new(configuration.GetValue("Database:ApplySchemaOnStart", !environment.IsProduction()));

    /// <summary>Without it, Marten would also compare each document's table the first time a request touches it.</summary>
    public void Configure(Marten.StoreOptions opts)
    {
        if (!Apply) opts.AutoCreateSchemaObjects = AutoCreate.None;
    }

    public void Configure(WolverineOptions opts)
    {
        if (!Apply) opts.AutoBuildMessageStorageOnStartup = AutoCreate.None;
    }
}
