using PhalaWorker.Attestation.Gpu.Rim;

namespace PhalaWorker.Attestation.Tests.Gpu.Rim;

/// <summary>Seeded single-bit flips anywhere in a real RIM: each is refused (a format error or a failed check), none crashes or passes.</summary>
public sealed class RimMutationTests
{
    private const int Mutations = 400;

    [TestCase(RimTestData.DriverId, 20251)]
    [TestCase(RimTestData.VbiosId, 674386)]
    public void ParseAndVerify_SingleBitFlipAnywhere_RefusedNeverCrashes(string id, int seed)
    {
        var original = id == RimTestData.DriverId ? RimTestData.DriverBytes : RimTestData.VbiosBytes;
        var random = new Random(seed);
        var verifier = new RimVerifier();
        var formatErrors = 0;
        var failedChecks = new Dictionary<RimCheck, int>();
        var accepted = new List<string>();

        for (var i = 0; i < Mutations; i++)
        {
            var mutated = original.ToArray();
            var offset = random.Next(mutated.Length);
            var bit = 1 << random.Next(8);
            mutated[offset] ^= (byte)bit;
            try
            {
                var result = verifier.Verify(ReferenceIntegrityManifest.Parse(mutated, id), RimTestData.GoodTime);
                if (result.Valid)
                {
                    accepted.Add($"offset {offset} bit {bit}");
                }
                else
                {
                    failedChecks[result.FailedCheck!.Value] = failedChecks.GetValueOrDefault(result.FailedCheck!.Value) + 1;
                }
            }
            catch (RimFormatException)
            {
                formatErrors++;
            }
        }

        TestContext.Out.WriteLine($"{id}: {formatErrors} format errors, failed checks {string.Join(", ", failedChecks.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Multiple(() =>
        {
            Assert.That(accepted, Is.Empty, "mutations that still verified");
            Assert.That(formatErrors + failedChecks.Values.Sum(), Is.EqualTo(Mutations));
            Assert.That(failedChecks.GetValueOrDefault(RimCheck.Digest), Is.GreaterThan(0), "some flips land in the signed payload");
        });
    }
}
