using PmoLedger.Features.Practitioners;
using PmoLedger.Web;

namespace PmoLedger.Tests.Web;

/// <summary>The pure rules behind sign-in and the career chart.</summary>
public class SignInRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_link_is_stored_only_as_the_hash_of_its_secret()
    {
        var (secret, stored) = SignInLinks.Issue("a@example.org", Now);
        stored.Id.ShouldNotContain(secret);
        stored.Id.ShouldBe(SignInLinks.Hash(secret));
        SignInLinks.Issue("a@example.org", Now).Secret.ShouldNotBe(secret);
        stored.ExpiresAt.ShouldBe(Now.AddMinutes(15));
    }

    [Fact]
    public void a_link_signs_in_once_within_fifteen_minutes()
    {
        var (_, link) = SignInLinks.Issue("a@example.org", Now);
        SignInLinks.Decide(link, Now.AddMinutes(14).AddSeconds(59)).ShouldBe(Redemption.SignedIn);
        SignInLinks.Decide(link, Now.AddMinutes(15)).ShouldBe(Redemption.Expired);
        SignInLinks.Decide(null, Now).ShouldBe(Redemption.Unknown);
        link.UsedAt = Now.AddMinutes(1);
        SignInLinks.Decide(link, Now.AddMinutes(2)).ShouldBe(Redemption.Used);
    }

    [Fact]
    public void concurrent_roles_stack_in_lanes_above_the_main_career()
    {
        var today = new DateOnly(2026, 1, 1);
        RoleRecord Role(string title, RoleFamily family, DateOnly from, DateOnly? to, bool concurrent) =>
            new(Guid.NewGuid(), title, family, null, EmploymentType.Permanent, "Acme", "Energy", OfficeType.Programme, from, to, concurrent);
        var chart = CareerChart.For([
            Role("Analyst", RoleFamily.Analyst, new(2020, 1, 1), new(2022, 12, 31), false),
            Role("Manager", RoleFamily.Manager, new(2023, 1, 1), null, false),
            Role("Risk lead", RoleFamily.Specialist, new(2021, 6, 1), new(2023, 6, 1), true),
            Role("Mentor", RoleFamily.Specialist, new(2022, 1, 1), null, true),
            Role("Board member", RoleFamily.Director, new(2024, 1, 1), null, true)
        ], today);

        chart.Bands.Single(b => b.Title == "Analyst").Lane.ShouldBe(0);
        chart.Bands.Single(b => b.Title == "Manager").Lane.ShouldBe(0);
        chart.Bands.Single(b => b.Title == "Risk lead").Lane.ShouldBe(1);
        chart.Bands.Single(b => b.Title == "Mentor").Lane.ShouldBe(2);
        chart.Bands.Single(b => b.Title == "Board member").Lane.ShouldBe(1);
        chart.X(new DateOnly(2020, 1, 1)).ShouldBeLessThan(chart.X(today));
        chart.Render().ShouldContain("Risk lead at Acme");
        chart.Steps.Select(s => s.Level).ShouldBe([CareerLevel.Entry, CareerLevel.Working, CareerLevel.Managing]);
    }
}
