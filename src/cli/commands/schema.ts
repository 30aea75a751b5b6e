import { Argument, type Command } from 'commander';
import { jsonSchemaOf, SCHEMA_KINDS, type SchemaKind } from '../../core/schema/json-schema';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a release manifest or an inventory, for editors that validate and complete YAML (the same files ship in the package under schemas/)')
    .addArgument(new Argument('<kind>', 'which document').choices(SCHEMA_KINDS))
    .addHelpText(
      'after',
      '\nExamples:\n  $ cluster-update schema manifest > manifest.schema.json\n' +
        '  then, first line of a manifest:  # yaml-language-server: $schema=./manifest.schema.json',
    )
    .action((kind: SchemaKind) => {
      process.stdout.write(`${JSON.stringify(jsonSchemaOf(kind), null, 2)}\n`);
    });
}
