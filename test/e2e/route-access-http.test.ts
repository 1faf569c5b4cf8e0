/** The route-access guard (route-access-suite.ts) with the bridge on the account HTTP API, in every run. */
import { describeRouteAccess } from './route-access-suite.ts';

describeRouteAccess('http');
