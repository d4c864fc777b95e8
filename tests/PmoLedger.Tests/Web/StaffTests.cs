using Alba;
using Marten;
using PmoLedger.Web;

namespace PmoLedger.Tests.Web;

public class StaffTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task an_admin_invites_an_auditor_once()
    {
        await As(AdminToken, s =>
        {
            s.Post.Json(new { email = "Rene.Auditor@example.org", fullName = "René Auditor", role = "auditor" }).ToUrl("/api/staff");
            s.StatusCodeShouldBe(201);
        });
        await using (var session = Store.QuerySession())
        {
            // Found by the address's keyed hash, in any case; never stored under the address itself.
            (await session.LoadAsync<StaffMember>("rene.auditor@example.org")).ShouldBeNull();
            var staff = await session.LoadAsync<StaffMember>(Keys.EmailLookupKey("rene.auditor@example.org"));
            staff.ShouldNotBeNull();
            // The invitation's sign-in link keeps the account's lookup key, not the address.
            (await session.Query<SignInLink>().SingleAsync()).AccountKey.ShouldBe(staff.Id);
            staff.Role.ShouldBe("auditor");
            staff.AddedBy.ShouldBe("admin@test");
        }

        await As(AdminToken, s =>
        {
            s.Post.Json(new { email = "rene.auditor@example.org", fullName = "Someone Else", role = "admin" }).ToUrl("/api/staff");
            s.StatusCodeShouldBe(409);
        });
    }

    [Fact]
    public async Task bad_invitations_name_their_fields_and_add_nobody()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { email = "not-an-address", fullName = "", role = "boss" }).ToUrl("/api/staff");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var errors = (await result.ReadAsJsonAsync<ValidationProblem>())!.Errors;
        errors.Keys.ShouldBe(["email", "fullName", "role"], ignoreOrder: true);

        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { email = "coordinator@example.org", fullName = "Casey Coordinator", role = "provider", providerId = Guid.NewGuid() }).ToUrl("/api/staff");
            s.StatusCodeShouldBe(400);
        });
        (await provider.ReadAsJsonAsync<ValidationProblem>())!.Errors.Keys.ShouldBe(["providerId"]);

        await using var session = Store.QuerySession();
        (await session.Query<StaffMember>().CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task only_admins_invite()
    {
        foreach (var token in new[] { AuditorToken, PractitionerToken(Guid.NewGuid()) })
            await As(token, s =>
            {
                s.Post.Json(new { email = "x@example.org", fullName = "X", role = "admin" }).ToUrl("/api/staff");
                s.StatusCodeShouldBe(403);
            });
    }

    private sealed record ValidationProblem(Dictionary<string, string[]> Errors);
}
