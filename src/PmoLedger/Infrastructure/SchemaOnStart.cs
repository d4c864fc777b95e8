using JasperFx;
using Wolverine;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Whether a start applies the database schema (Marten's tables and functions, Wolverine's message tables) or
/// leaves it to the deployment step `db-apply` (docs/operations.md, "Database"). Comparing the schema with the
/// database costs several catalogue queries on every start; in Production the schema is applied once per release
/// instead, and /health/ready reports whether it is (<see cref="SchemaHealthCheck"/>). Development and tests keep
/// applying it at start. <c>Database:ApplySchemaOnStart</c> overrides either default.
/// Marten's own setting stays at its default (create or update a document type's table the first time a process
/// uses that type, off the start path): `db-apply` creates the tables of the types the store registers, but Marten
/// meets some document types only when code first stores or loads them (a provider's name claim, say), and with
/// nothing created on first use those writes failed in Production (SchemaAtDeployTests).
/// </summary>
public sealed record SchemaOnStart(bool Apply)
{
    public static SchemaOnStart From(IConfiguration configuration, IHostEnvironment environment) =>
        new(configuration.GetValue("Database:ApplySchemaOnStart", !environment.IsProduction()));

    public void Configure(WolverineOptions opts)
    {
        if (!Apply) opts.AutoBuildMessageStorageOnStartup = AutoCreate.None;
    }
}
