using PhalaWorker.Compute.Backends.Cpu;
using PhalaWorker.Compute.Conformance;
using PhalaWorker.Testing.Onnx;

namespace PhalaWorker.Compute.Tests.Onnx;

/// <summary>
/// Seeded random mutations of the real models (bit flips, byte overwrites, truncation, insertions, varint bombs):
/// loading and running either succeeds or throws <see cref="ComputeException"/> — never another exception, a crash or
/// runaway memory (limits are tight so a mutated dim cannot allocate gigabytes).
/// </summary>
public sealed class ModelFuzzTests
{
    private static readonly ComputeOptions Tight = new()
    {
        MaxTensorElements = 4_000_000,
        MaxPlannedMemoryBytes = 256L * 1024 * 1024,
        Threads = 1,
    };

    [TestCase("tiny_mlp", 300, true)]
    [TestCase("tiny_transformer_block", 300, true)]
    [TestCase("light_squeezenet", 150, false)]
    [TestCase("light_resnet50", 20, false)]
    public void Load_RandomMutations_OnlyComputeExceptions(string model, int iterations, bool run)
    {
        var original = OnnxTestData.ModelBytes(model);
        var folder = OnnxTestData.Model(model);
        var inputs = NodeTestRunner.ReadTensorFiles(Path.Combine(folder, "test_data_set_0"), "input");
        var engine = new ComputeEngine(Tight, new CpuBackend());
        Assert.DoesNotThrow(() => engine.Load(original), "the unmutated model must load under the fuzz limits");
        var random = new Random(674386 + model.Length);
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < iterations; i++)
        {
            var mutated = Mutate(original, random);
            string outcome;
            try
            {
                var loaded = engine.Load(mutated);
                if (run)
                {
                    engine.Run(loaded, inputs.Select(b => (string.Empty, (ReadOnlyMemory<byte>)b)).ToList(), CancellationToken.None);
                }

                outcome = "ok";
            }
            catch (ComputeException ex)
            {
                outcome = ex.Reason.ToString();
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        TestContext.Out.WriteLine(string.Join(", ", outcomes.Select(p => $"{p.Key}={p.Value}")));
        Assert.That(outcomes.Values.Sum(), Is.EqualTo(iterations));
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = (byte[])source.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (var k = random.Next(1, 8); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 1:
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 2:
                return bytes[..random.Next(bytes.Length)];
            case 3:
                {
                    var at = random.Next(bytes.Length);
                    var junk = new byte[random.Next(1, 16)];
                    random.NextBytes(junk);
                    return [.. bytes[..at], .. junk, .. bytes[at..]];
                }

            default:
                {
                    // A maximal varint where a length or dim might be: 0xFF…0x01.
                    var at = random.Next(Math.Max(1, bytes.Length - 10));
                    for (var k = 0; k < 9; k++)
                    {
                        bytes[at + k] = 0xFF;
                    }

                    bytes[at + 9] = 0x01;
                    return bytes;
                }
        }
    }
}
