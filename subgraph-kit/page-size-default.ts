import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';

/**
 * Serves `first: null` as the SDL declares `first`'s default. GraphQL hands a resolver the null a client sent
 * explicitly, while the SDL (`first: Int = 20`), and the gateway's cost estimate that reads it, say what an
 * unsaid page size is: the SDL is the one place it is written, and this makes an explicit null mean the same.
 * Wraps, once when the schema is built, the resolver of every field whose `first` argument declares a default.
 */
export function servePageSizeDefaults(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const pageSize = field.args.find((argument) => argument.name === 'first')?.defaultValue;
      if (pageSize === undefined) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => resolve(source, args.first === null ? { ...args, first: pageSize } : args, context, info);
    }
  }
}
