using JasperFx;
using JasperFx.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace PmoLedger.Infrastructure;

public sealed class TokenInput : NetCoreInput
{
    [Description("admin, auditor or practitioner")]
    public string RoleFlag { get; set; } = Roles.Admin;

    [Description("The practitioner's id (required for --role practitioner)")]
    public string? PractitionerFlag { get; set; }

    [Description("The user name recorded on the events this token causes")]
    public string? NameFlag { get; set; }
}

[Description("Prints a signed development JWT that this service accepts", Name = "token")]
public sealed class TokenCommand : JasperFxAsyncCommand<TokenInput>
{
    public override Task<bool> Execute(TokenInput input)
    {
        var role = input.RoleFlag.ToLowerInvariant();
        if (role is not (Roles.Admin or Roles.Auditor or Roles.Practitioner))
        {
            Console.Error.WriteLine("--role must be admin, auditor or practitioner.");
            return Task.FromResult(false);
        }

        Guid? practitionerId = null;
        if (role == Roles.Practitioner)
        {
            if (!Guid.TryParse(input.PractitionerFlag, out var id))
            {
                Console.Error.WriteLine("--practitioner <id> is required for a practitioner token.");
                return Task.FromResult(false);
            }
            practitionerId = id;
        }

        // Reads Auth settings the same way the service does, without starting it.
        using var host = input.BuildHost();
        var settings = host.Services.GetRequiredService<AuthSettings>();
        Console.WriteLine(settings.Mint(role, practitionerId, input.NameFlag, DateTimeOffset.UtcNow));
        return Task.FromResult(true);
    }
}

[Description("Re-wraps every data key under a new master key (Privacy:NewMasterKey); events are not touched", Name = "rotate-master-key")]
public sealed class RotateMasterKeyCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var current = PrivacySettings.From(configuration, host.Services.GetRequiredService<IHostEnvironment>()).MasterKey;
        if (configuration["Privacy:NewMasterKey"] is not { Length: > 0 } configured)
        {
            Console.Error.WriteLine("Set the new key as Privacy__NewMasterKey (32 bytes, base64: `openssl rand -base64 32`); it is read from the environment so it never appears in a process list.");
            return false;
        }
        var next = PrivacySettings.Parse(configured);

        await using var connection = new Npgsql.NpgsqlConnection(configuration.GetConnectionString("Ledger"));
        await connection.OpenAsync();
        var count = await KeyRing.RewrapAsync(connection, current, next, CancellationToken.None);
        Console.WriteLine($"Re-wrapped {count} keys under the new master key. Start every node with Privacy__MasterKey set to it; keep the old one until the backups made under it have expired.");
        return true;
    }
}
