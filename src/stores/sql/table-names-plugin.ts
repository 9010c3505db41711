import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from 'kysely';
import type { JobclockDatabase } from './schema.js';

/** Logical table name (as the queries write it) → physical name (as the database has it). */
export type TableNameMap = Readonly<Record<keyof JobclockDatabase, string>>;

/**
 * Rewrites the logical table names of `JobclockDatabase` to their prefixed names, in table
 * references and in qualified column references alike. The queries stay typed against fixed
 * names while two apps with different prefixes share one database.
 *
 * @example
 * const db = kysely.withPlugin(new TableNamesPlugin({ jobs: 'billing_jobs' }))
 * db.selectFrom('jobs').selectAll() // select * from "billing_jobs"
 */
export class TableNamesPlugin implements KyselyPlugin {
  private readonly transformer: TableNamesTransformer;

  constructor(names: TableNameMap) {
    this.transformer = new TableNamesTransformer(new Map(Object.entries(names)));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

class TableNamesTransformer extends OperationNodeTransformer {
  constructor(private readonly names: ReadonlyMap<string, string>) {
    super();
  }

  protected override transformSchemableIdentifier(node: SchemableIdentifierNode, queryId?: QueryId): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node, queryId);
    const physical = this.names.get(transformed.identifier.name);
    return physical === undefined ? transformed : { ...transformed, identifier: { ...transformed.identifier, name: physical } };
  }
}
